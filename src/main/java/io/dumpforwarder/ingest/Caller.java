package io.dumpforwarder.ingest;

import io.micrometer.tracing.TraceContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * What a request's headers say about the trace it belongs to, given to each of its dumps.
 *
 * @param traceId the caller's trace id: from a valid W3C {@code traceparent}, else from
 * {@code X-Trace-Id}, else {@code null} (the dump's own {@code traceId} is used then)
 * @param trace the ingest request's span when tracing is on, else {@code null}
 */
record Caller(String traceId, TraceContext trace) {

    static final Caller UNKNOWN = new Caller(null, null);

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
     * The caller's span from its {@code traceparent} (and {@code tracestate}), read by
     * OpenTelemetry's W3C Trace Context propagator: invalid when absent or malformed
     * (version {@code ff}, an all-zero id, a wrong length or character).
     */
    static SpanContext span(HttpHeaders headers) {
        Context context = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
        return Span.fromContext(context).getSpanContext();
    }

    static Caller of(SpanContext span, HttpHeaders headers, TraceContext trace) {
        String traceId = span.isValid() ? span.getTraceId() : DumpReader.headerSafe(headers.get("X-Trace-Id"));
        return new Caller(traceId, trace);
    }

}
