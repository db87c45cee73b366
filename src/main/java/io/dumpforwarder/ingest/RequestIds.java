package io.dumpforwarder.ingest;

import io.dumpforwarder.dump.DumpKeys;
import io.dumpforwarder.trace.DumpTracing;
import io.micrometer.tracing.TraceContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * What a request's headers say about the trace it belongs to and the keys of its dumps,
 * given to each of them.
 *
 * @param traceId the caller's trace id: from a valid W3C {@code traceparent}, else from
 * {@code X-Trace-Id}, else {@code null} (the dump's own {@code traceId} is used then)
 * @param trace the ingest request's span when tracing is on, else {@code null}
 * @param idempotencyKey the caller's {@code Idempotency-Key}, 1 to 255 visible ASCII
 * characters, else {@code null} (one that is not is left out, as other ids are)
 * @param caller who sent the request ({@code caller.Callers})
 */
record RequestIds(String traceId, TraceContext trace, String idempotencyKey, String caller) {

    private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {

        @Override
        public Iterable<String> keys(HttpHeaders headers) {
            return headers.names();
        }

        @Override
        public String get(HttpHeaders headers, String name) {
            return (headers != null) ? headers.get(name) : null;
        }

    };

    /**
     * The caller's span from its {@code traceparent} (and {@code tracestate}); invalid
     * when absent or malformed.
     */
    static SpanContext span(HttpHeaders headers) {
        return DumpTracing.extract(headers, HEADERS);
    }

    static RequestIds of(SpanContext span, HttpHeaders headers, TraceContext trace, String caller) {
        String traceId = span.isValid() ? span.getTraceId() : DumpReader.headerSafe(headers.get("X-Trace-Id"));
        String key = DumpReader.headerSafe(headers.get("Idempotency-Key"), DumpKeys.MAX_LENGTH);
        return new RequestIds(traceId, trace, key, caller);
    }

    /**
     * The idempotency key of the request's dump on this line (0 for a JSON body, the
     * line's number in an NDJSON one): the caller's own {@code Idempotency-Key}, with the
     * line's number after a colon in an NDJSON body, so a retried request gives its dumps
     * the same keys again (past 255 characters, that key's digest); without one, a key of
     * this process's.
     */
    String keyOf(int line) {
        if (this.idempotencyKey == null) {
            return DumpKeys.next();
        }
        return (line == 0) ? this.idempotencyKey : DumpKeys.bounded(this.idempotencyKey + ":" + line);
    }

}
