package io.dumpforwarder.trace;

import java.net.URI;
import java.util.List;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.Outcome;
import io.micrometer.tracing.CurrentTraceContext;
import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.OtelSpan;
import io.micrometer.tracing.otel.bridge.OtelTraceContext;
import io.micrometer.tracing.propagation.Propagator;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Spans for dumps, made with Micrometer Tracing on the OpenTelemetry SDK that Spring Boot
 * configures. On when {@code management.tracing.export.enabled} is true (the service's
 * default is false); off, no span is made and each method returns at a null check.
 * <p>
 * The ingest request's span is a child of the caller's span when the caller sent a valid
 * {@code traceparent}, and each accepted dump keeps the ingest span's context across the
 * queue. A forward attempt's span is a child of its dump's ingest span; a batch's is a
 * child of its first sampled dump's ingest span and links every dump it carries, so it is
 * sampled when one of its callers was. Attributes are few and bounded: never a body.
 */
@Component
public class DumpTracing {

    static final String EXPORT_ENABLED = "management.tracing.export.enabled";

    private static final String OUTCOME = "dump.outcome";

    private final Tracer tracer;

    private final Propagator propagator;

    private final String collectorHost;

    private final int collectorPort;

    DumpTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator, Environment environment,
            ForwarderProperties properties) {
        boolean on = environment.getProperty(EXPORT_ENABLED, Boolean.class, Boolean.TRUE);
        this.tracer = on ? tracer.getIfAvailable() : null;
        this.propagator = on ? propagator.getIfAvailable(() -> Propagator.NOOP) : Propagator.NOOP;
        URI dumpUrl = properties.dumpUrl();
        this.collectorHost = dumpUrl.getHost();
        this.collectorPort = dumpUrl.getPort();
    }

    /**
     * Starts the span of an ingest request.
     * @param caller the caller's span as its {@code traceparent} gave it; invalid when it
     * sent none, or none that W3C Trace Context allows
     * @return the span, or {@code null} when tracing is off
     */
    public Span ingest(SpanContext caller) {
        if (this.tracer == null) {
            return null;
        }
        Span.Builder span = this.tracer.spanBuilder().name("POST /v1/dumps").kind(Span.Kind.SERVER);
        if (caller.isValid()) {
            span.setParent(OtelTraceContext.fromOtel(caller));
        }
        else {
            span.setNoParent();
        }
        return span.tag("http.request.method", "POST").tag("http.route", "/v1/dumps").start();
    }

    /** Ends an ingest span with the answer; a 5xx answer is an error. */
    public static void answered(Span span, int status, String outcome) {
        if (span == null) {
            return;
        }
        span.tag("http.response.status_code", status).tag(OUTCOME, outcome);
        if (status >= 500) {
            OtelSpan.toOtel(span).setStatus(StatusCode.ERROR, outcome);
        }
        span.end();
    }

    /**
     * Starts the span of one forward attempt.
     * @return the span, or {@code null} when tracing is off or no dump was traced
     */
    public Span attempt(List<Dump> dumps, int number) {
        if (this.tracer == null) {
            return null;
        }
        TraceContext parent = null;
        Span.Builder span = this.tracer.spanBuilder().name("POST").kind(Span.Kind.CLIENT);
        for (Dump dump : dumps) {
            TraceContext context = dump.trace();
            if (context != null && (parent == null || (!isSampled(parent) && isSampled(context)))) {
                parent = context;
            }
            if (context != null && dumps.size() > 1) {
                span.addLink(new Link(context));
            }
        }
        if (parent == null) {
            return null;
        }
        span.setParent(parent)
            .tag("http.request.method", "POST")
            .tag("server.address", this.collectorHost)
            .tag("dump.attempt", number)
            .tag("dump.count", dumps.size());
        if (this.collectorPort > 0) {
            span.tag("server.port", this.collectorPort);
        }
        return span.start();
    }

    /**
     * Ends an attempt's span with its outcome; any outcome but success is an error.
     * @param status the collector's status, or 0 if it did not answer
     * @param outcome the attempt's outcome, or {@code null} if it was cancelled
     */
    public static void attempted(Span span, int status, Outcome outcome) {
        if (span == null) {
            return;
        }
        if (status > 0) {
            span.tag("http.response.status_code", status);
        }
        String tag = (outcome != null) ? outcome.tag() : "cancelled";
        span.tag(OUTCOME, tag);
        if (outcome != Outcome.SUCCESS) {
            OtelSpan.toOtel(span).setStatus(StatusCode.ERROR, tag);
        }
        span.end();
    }

    /** Writes the span's {@code traceparent} (and {@code tracestate}) into a request. */
    public void inject(Span span, HttpHeaders headers) {
        if (span != null) {
            this.propagator.inject(span.context(), headers, HttpHeaders::set);
        }
    }

    /**
     * Puts an ingest span in scope when it continues the caller's trace, so that log
     * lines written meanwhile carry its {@code traceId} and {@code spanId} (Spring Boot's
     * log correlation).
     * @param trace the ingest span, or {@code null}
     * @param callerTraceId the caller's trace id, or {@code null}
     * @return the scope to close, or {@code null} when nothing was put in scope: the line
     * then names the caller's trace id itself
     */
    public CurrentTraceContext.Scope scope(TraceContext trace, String callerTraceId) {
        if (this.tracer == null || trace == null || !trace.traceId().equals(callerTraceId)) {
            return null;
        }
        return this.tracer.currentTraceContext().maybeScope(trace);
    }

    /**
     * Writes a dump's trace context as W3C {@code traceparent} (and {@code tracestate})
     * headers, for a dump that leaves the process through the durable buffer.
     */
    public static <C> void write(TraceContext trace, C carrier, TextMapSetter<C> headers) {
        if (trace != null) {
            W3CTraceContextPropagator.getInstance().inject(OtelTraceContext.toOtelContext(trace), carrier, headers);
        }
    }

    /** The trace context {@link #write} wrote, or {@code null}. */
    public static <C> TraceContext read(C carrier, TextMapGetter<C> headers) {
        SpanContext span = extract(carrier, headers);
        return span.isValid() ? OtelTraceContext.fromOtel(span) : null;
    }

    /**
     * The span a W3C {@code traceparent} (and {@code tracestate}) names, read by
     * OpenTelemetry's W3C Trace Context propagator: invalid when absent or malformed
     * (version {@code ff}, an all-zero id, a wrong length or character).
     */
    public static <C> SpanContext extract(C carrier, TextMapGetter<C> headers) {
        return io.opentelemetry.api.trace.Span
            .fromContext(W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier, headers))
            .getSpanContext();
    }

    private static boolean isSampled(TraceContext context) {
        return Boolean.TRUE.equals(context.sampled());
    }

}
