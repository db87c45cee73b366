package io.dumpforwarder.forward;

import java.time.Duration;

import org.springframework.http.HttpStatusCode;

/**
 * The downstream answered with a status other than 2xx; the circuit breaker records it as
 * a failure.
 */
public class DownstreamStatusException extends RuntimeException {

    private final HttpStatusCode status;

    private final Duration retryAfter;

    DownstreamStatusException(HttpStatusCode status, Duration retryAfter) {
        super("downstream answered HTTP " + status.value()
                + ((retryAfter != null) ? " with Retry-After " + retryAfter.toSeconds() + " s" : ""), null, false,
                false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** The pause a 429 or 503 asked for with Retry-After, or {@code null}. */
    Duration retryAfter() {
        return this.retryAfter;
    }

    HttpStatusCode status() {
        return this.status;
    }

}
