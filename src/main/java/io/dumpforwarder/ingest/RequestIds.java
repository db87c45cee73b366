package io.dumpforwarder.ingest;

import java.util.List;

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
 * characters, else {@code null} (a request with one that is not is refused:
 * {@link #keyProblem})
 * @param caller who sent the request ({@code caller.Callers})
 */
record RequestIds(String traceId, TraceContext trace, String idempotencyKey, String caller) {

    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final String KEY_ALLOWED = "it must be 1 to " + DumpKeys.MAX_LENGTH
            + " visible ASCII characters (0x21 to 0x7E)";

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
        String key = DumpReader.headerSafe(headers.get(IDEMPOTENCY_KEY), DumpKeys.MAX_LENGTH);
        return new RequestIds(traceId, trace, key, caller);
    }

    /**
     * What is wrong with the caller's {@code Idempotency-Key}, or {@code null} when it
     * has none or a valid one. Unlike an id that is only logged, a key the service
     * dropped would leave the caller's retries undeduplicated without its knowing, so a
     * request with a bad one is refused instead.
     */
    static String keyProblem(HttpHeaders headers) {
        List<String> keys = headers.getAll(IDEMPOTENCY_KEY);
        if (keys.isEmpty()) {
            return null;
        }
        if (keys.size() > 1) {
            return IDEMPOTENCY_KEY + " is given more than once: " + KEY_ALLOWED + ", given once";
        }
        String key = keys.get(0);
        if (key.isEmpty()) {
            return IDEMPOTENCY_KEY + " is empty: " + KEY_ALLOWED;
        }
        if (key.length() > DumpKeys.MAX_LENGTH) {
            return IDEMPOTENCY_KEY + " has " + key.length() + " characters: " + KEY_ALLOWED;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return IDEMPOTENCY_KEY + " has " + String.format("0x%02X", (int) c) + " at offset " + i + ": "
                        + KEY_ALLOWED;
            }
        }
        return null;
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
