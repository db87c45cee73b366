package io.dumpforwarder.ingest;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonValue;

import org.springframework.http.HttpStatus;

/**
 * What ingest did with a dump: the {@code outcome} label of {@code dumps_received_total}
 * and, for a rejection, the status and title of the problem response.
 */
enum IngestOutcome {

    ACCEPTED(HttpStatus.ACCEPTED, "Accepted"), INVALID(HttpStatus.BAD_REQUEST, "Invalid dump"),
    TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Dump too large"), TOO_SLOW(HttpStatus.REQUEST_TIMEOUT, "Body too slow"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    UNAUTHORIZED(HttpStatus.UNAUTHORIZED, "Unauthorized"),
    CALLER_RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS, "Caller over its rate quota"),
    OVER_SHARE(HttpStatus.TOO_MANY_REQUESTS, "Caller over its share"),
    QUEUE_FULL(HttpStatus.SERVICE_UNAVAILABLE, "Queue full"),
    INFLIGHT_FULL(HttpStatus.SERVICE_UNAVAILABLE, "Too many bytes being received"),
    UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Shutting down"),
    BUFFER_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Buffer unavailable");

    private final HttpStatus status;

    private final String title;

    private final String tag = name().toLowerCase(Locale.ROOT);

    IngestOutcome(HttpStatus status, String title) {
        this.status = status;
        this.title = title;
    }

    HttpStatus status() {
        return this.status;
    }

    String title() {
        return this.title;
    }

    @JsonValue
    String tag() {
        return this.tag;
    }

}
