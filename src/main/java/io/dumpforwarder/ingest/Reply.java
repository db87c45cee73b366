package io.dumpforwarder.ingest;

import java.util.List;

import io.dumpforwarder.body.ContentCoding;
import io.dumpforwarder.ingest.NdjsonBody.LineError;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * One answer of the ingest API, its body already encoded, and what it is counted as.
 *
 * @param outcome what ingest did with the request; a refusal's status and problem title
 * @param body the JSON body: a count for 202, else an RFC 9457 problem
 * @param keepAlive whether the connection may serve another request (false: its body was
 * not read to the end)
 * @param retryAfter this answer's own {@code Retry-After}, or {@code null} for the
 * service's ({@code forwarder.queue.retry-after}) where one is due
 * @param dumps how many dumps are counted under {@code outcome}
 * @param lines the refused lines (or messages) of a body of many, each counted under its
 * own outcome
 * @param detail what a refusal logs, or {@code null}
 */
record Reply(IngestOutcome outcome, byte[] body, boolean keepAlive, AsciiString retryAfter, int dumps,
        List<LineError> lines, String detail) {

    private static final AsciiString APPLICATION_PROBLEM_JSON = AsciiString.cached("application/problem+json");

    private static final AsciiString BEARER = AsciiString.cached("Bearer");

    private static final AsciiString ACCEPT_ENCODING = AsciiString.cached(ContentCoding.ACCEPTED);

    Reply(IngestOutcome outcome, byte[] body, String detail) {
        this(outcome, body, true, null, 1, List.of(), detail);
    }

    HttpResponseStatus status() {
        return HttpResponseStatus.valueOf(this.outcome.status().value());
    }

    boolean isProblem() {
        return this.outcome != IngestOutcome.ACCEPTED;
    }

    /**
     * The same answer, on a connection closed after it unless the request's body was read
     * through.
     */
    Reply drained(boolean drained) {
        return (drained || !this.keepAlive) ? this
                : new Reply(this.outcome, this.body, false, this.retryAfter, this.dumps, this.lines, this.detail);
    }

    /**
     * The same answer, counting these dumps under its outcome and these refused lines
     * under theirs.
     */
    Reply counting(int dumps, List<LineError> lines) {
        return new Reply(this.outcome, this.body, this.keepAlive, this.retryAfter, dumps, lines, this.detail);
    }

    /** The same answer, logging this detail. */
    Reply logging(String detail) {
        return new Reply(this.outcome, this.body, this.keepAlive, this.retryAfter, this.dumps, this.lines, detail);
    }

    /** The same answer, with this {@code Retry-After}. */
    Reply retryingAfter(AsciiString retryAfter) {
        return new Reply(this.outcome, this.body, this.keepAlive, retryAfter, this.dumps, this.lines, this.detail);
    }

    /**
     * Writes the answer: the one place an answer goes out. The connection is closed if
     * the body was not read, and while shutting down, so that keep-alive callers
     * reconnect to another instance.
     * @param response the response to write to
     * @param retryAfter the {@code Retry-After} of a refusal the caller may retry soon
     */
    Mono<Void> send(HttpServerResponse response, AsciiString retryAfter) {
        response.status(status())
            .header(HttpHeaderNames.CONTENT_TYPE,
                    isProblem() ? APPLICATION_PROBLEM_JSON : HttpHeaderValues.APPLICATION_JSON);
        IngestOutcome outcome = this.outcome;
        if (this.retryAfter != null) {
            response.header(HttpHeaderNames.RETRY_AFTER, this.retryAfter);
        }
        else if (outcome == IngestOutcome.QUEUE_FULL || outcome == IngestOutcome.INFLIGHT_FULL
                || outcome == IngestOutcome.OVER_SHARE || outcome == IngestOutcome.BUFFER_UNAVAILABLE) {
            response.header(HttpHeaderNames.RETRY_AFTER, retryAfter);
        }
        if (outcome == IngestOutcome.UNSUPPORTED_MEDIA_TYPE) {
            response.header(HttpHeaderNames.ACCEPT_ENCODING, ACCEPT_ENCODING);
        }
        if (outcome == IngestOutcome.UNAUTHORIZED) {
            response.header(HttpHeaderNames.WWW_AUTHENTICATE, BEARER);
        }
        if (!this.keepAlive || outcome == IngestOutcome.UNAVAILABLE) {
            response.keepAlive(false);
        }
        return response.sendByteArray(Mono.just(this.body)).then();
    }

}
