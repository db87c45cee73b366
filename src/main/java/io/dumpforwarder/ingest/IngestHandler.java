package io.dumpforwarder.ingest;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import io.dumpforwarder.body.BodyBudget;
import io.dumpforwarder.body.BodyReader;
import io.dumpforwarder.body.ContentCoding;
import io.dumpforwarder.body.Utf8;
import io.dumpforwarder.caller.CallerQuotas;
import io.dumpforwarder.caller.Callers;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.QueueProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.Intake;
import io.dumpforwarder.ingest.NdjsonBody.LineError;
import io.dumpforwarder.trace.DumpTracing;
import io.micrometer.tracing.CurrentTraceContext;
import io.micrometer.tracing.Span;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.NettyInbound;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import org.springframework.stereotype.Component;

/**
 * {@code POST /v1/dumps}, served by Reactor Netty itself: reads the body up to its limit,
 * checks each dump, queues the good ones and answers at once. Every request is counted
 * and timed with its outcome, and every refusal is answered as an RFC 9457 problem, here
 * and only here.
 */
@Component
class IngestHandler {

    private static final Logger logger = LoggerFactory.getLogger(IngestHandler.class);

    private final Intake intake;

    private final IngestMetrics metrics;

    private final Callers callers;

    private final CallerQuotas quotas;

    private final BodyBudget budget;

    private final Replies replies;

    private final DumpTracing tracing;

    private final int maxDumpSize;

    private final int maxRequestSize;

    private final AsciiString retryAfter;

    private final BodyReader bodies;

    private final ProtobufDumps protobuf;

    private final IngestWorkers workers;

    IngestHandler(Intake intake, IngestMetrics metrics, Callers callers, CallerQuotas quotas, BodyBudget budget,
            BodyReader bodies, ProtobufDumps protobuf, IngestWorkers workers, Replies replies, DumpTracing tracing,
            ForwarderProperties properties, QueueProperties queue) {
        this.protobuf = protobuf;
        this.workers = workers;
        this.intake = intake;
        this.tracing = tracing;
        this.budget = budget;
        this.metrics = metrics;
        this.callers = callers;
        this.quotas = quotas;
        this.replies = replies;
        this.maxDumpSize = Math.toIntExact(properties.maxDumpSize().toBytes());
        this.maxRequestSize = Math.toIntExact(properties.maxRequestSize().toBytes());
        this.bodies = bodies;
        this.retryAfter = AsciiString.cached(Long.toString(Math.max(1, queue.retryAfter().toSeconds())));
    }

    Mono<Void> ingest(HttpServerRequest request, HttpServerResponse response) {
        return ingest(request, response, this.callers.identify(request.requestHeaders()));
    }

    /**
     * Answers the request of this caller, identified already ({@code null}: not
     * authorized).
     */
    Mono<Void> ingest(HttpServerRequest request, HttpServerResponse response, String caller) {
        long start = System.nanoTime();
        HttpHeaders headers = request.requestHeaders();
        SpanContext callerSpan = RequestIds.span(headers);
        Span span = this.tracing.ingest(callerSpan);
        RequestIds ids = RequestIds.of(callerSpan, headers, (span != null) ? span.context() : null,
                (caller != null) ? caller : Callers.UNKNOWN);
        return reply(request, ids, caller != null)
            .flatMap((reply) -> answer(reply, ids).send(response, this.retryAfter).doFinally((signal) -> {
                this.metrics.answered(reply.outcome(), start);
                DumpTracing.answered(span, reply.outcome().status().value(), reply.outcome().tag());
            }))
            // The caller went away while the answer was written: nothing is left to tell
            // it.
            .onErrorResume((error) -> {
                logger.debug("Ingest answer not sent", error);
                return Mono.empty();
            });
    }

    /**
     * Counts and logs what the request came to: the one place an outcome is counted.
     */
    private Reply answer(Reply reply, RequestIds ids) {
        String caller = ids.caller();
        if (reply.dumps() > 0) {
            this.metrics.count(caller, reply.outcome(), reply.dumps());
        }
        for (LineError line : reply.lines()) {
            this.metrics.count(caller, line.outcome(), 1);
        }
        if (reply.detail() != null && logger.isDebugEnabled()) {
            try (CurrentTraceContext.Scope scope = this.tracing.scope(ids.trace(), ids.traceId())) {
                logger.atDebug()
                    .addKeyValue("caller", caller)
                    .log("Rejected {} from caller {}: {}", reply.outcome().tag(), caller, reply.detail());
            }
        }
        return reply;
    }

    private Mono<Reply> reply(HttpServerRequest request, RequestIds ids, boolean authorized) {
        HttpHeaders headers = request.requestHeaders();
        String caller = ids.caller();
        if (headers.getAll(HttpHeaderNames.AUTHORIZATION).size() > 1) {
            return Mono.just(problem(IngestOutcome.INVALID, "Authorization is given more than once"));
        }
        if (!authorized) {
            return refuse(IngestOutcome.UNAUTHORIZED);
        }
        String keyProblem = RequestIds.keyProblem(headers);
        if (keyProblem != null) {
            return Mono.just(problem(IngestOutcome.INVALID, keyProblem));
        }
        BodyFormat format = BodyFormat.of(headers.get(HttpHeaderNames.CONTENT_TYPE));
        if (format == null) {
            return refuse(IngestOutcome.UNSUPPORTED_MEDIA_TYPE);
        }
        if (format.protobuf() && !this.protobuf.enabled()) {
            return Mono.just(problem(IngestOutcome.UNSUPPORTED_MEDIA_TYPE,
                    "protobuf dumps are off here (forwarder.ingest.protobuf.descriptor-set is not set): send "
                            + "application/json or application/x-ndjson"));
        }
        ContentCoding coding = this.bodies.coding(headers.getAll(HttpHeaderNames.CONTENT_ENCODING));
        if (coding == null) {
            return Mono.just(problem(IngestOutcome.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding " + String.join(", ", headers.getAll(HttpHeaderNames.CONTENT_ENCODING))
                            + " is not supported: send one of " + ContentCoding.ACCEPTED));
        }
        int limit = format.single() ? this.maxDumpSize : this.maxRequestSize;
        long declared = contentLength(headers);
        // A caller waiting for 100 Continue sends no body until told to: refusals then go
        // out before it, and the body is never read.
        boolean expectsContinue = headers.containsValue(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true);
        if (declared > this.bodies.discardLimit()
                || (expectsContinue && this.bodies.isTooLarge(declared, limit, coding))) {
            // Too large to read through: answer now and close, rather than read it all.
            return Mono.just(tooLarge(format, false));
        }
        if (!this.intake.isOpen()) {
            return refuse(IngestOutcome.UNAVAILABLE);
        }
        if (expectsContinue && this.budget.isOverShare(caller, declared)) {
            return Mono.just(this.replies.of(IngestOutcome.OVER_SHARE).drained(false));
        }
        if (expectsContinue && declared > this.budget.available()) {
            return Mono.just(this.replies.of(IngestOutcome.INFLIGHT_FULL).drained(false));
        }
        if (this.intake.isFull()) {
            // Shed before the body is copied or parsed: under overload a refusal must
            // cost little.
            if (expectsContinue) {
                return Mono.just(this.replies.of(IngestOutcome.QUEUE_FULL).drained(false));
            }
            // A body cut off while it is discarded is a refusal to count all the same.
            return this.bodies.discard(request.receive())
                .onErrorReturn(false)
                .map(this.replies.of(IngestOutcome.QUEUE_FULL)::drained);
        }
        BodyBudget.Lease lease = this.budget.lease(caller);
        return this.bodies.read(request.receive(), declared, limit, lease, coding)
            .flatMap((body) -> format.single() ? one(body, request, ids, format) : lines(body, request, ids, format))
            .onErrorResume((ex) -> Mono.just(refused(ex, format)))
            // Whatever the answer, the body's bytes are either held as dumps or garbage
            // by now (the reader lets go of them however the body ends): the budget is
            // given back before the answer goes out, so a caller that reads its answer
            // finds the budget free.
            .doOnTerminate(lease::close)
            .doOnCancel(lease::close);
    }

    /** The answer to a body that could not be read whole. */
    private Reply refused(Throwable ex, BodyFormat format) {
        if (ex instanceof BodyReader.TooLargeException tooLarge) {
            return tooLarge(format, tooLarge.drained());
        }
        if (ex instanceof BodyReader.NoBudgetException noBudget) {
            return this.replies.of(IngestOutcome.INFLIGHT_FULL).drained(noBudget.drained());
        }
        if (ex instanceof BodyReader.OverShareException overShare) {
            return this.replies.of(IngestOutcome.OVER_SHARE).drained(overShare.drained());
        }
        if (ex instanceof BodyReader.UndecodableException undecodable) {
            return problem(IngestOutcome.INVALID, undecodable.getMessage()).drained(undecodable.drained());
        }
        if (ex instanceof RejectedExecutionException) {
            // The workers are stopped: the service is shutting down.
            return this.replies.of(IngestOutcome.UNAVAILABLE);
        }
        if (ex instanceof BodyReader.TooSlowException || ex instanceof RequestDeadline.RequestTimeoutException) {
            return this.replies.of(IngestOutcome.TOO_SLOW).drained(false);
        }
        return problem(IngestOutcome.INVALID, "the body could not be read to its end: " + ex.getMessage());
    }

    private Reply tooLarge(BodyFormat format, boolean drained) {
        return this.replies.tooLarge(!format.single()).drained(drained);
    }

    private Mono<Reply> one(byte[] body, NettyInbound request, RequestIds ids, BodyFormat format) {
        if (body.length == 0) {
            return Mono.just(problem(IngestOutcome.INVALID,
                    (format == BodyFormat.JSON) ? "empty body: a dump must be a JSON object"
                            : "empty body: a protobuf dump must have a field set (a message with none is no bytes)"));
        }
        return this.workers.read(body.length, request, () -> read(body, ids, format)).flatMap((read) -> {
            if (read.refusal() != null) {
                return Mono.just(read.refusal());
            }
            Reply overQuota = overQuota(ids.caller(), 1);
            if (overQuota != null) {
                return Mono.just(overQuota);
            }
            return admit(List.of(read.dump())).map(this.replies::of);
        });
    }

    /** The body's dump, or its refusal. */
    private Read read(byte[] body, RequestIds ids, BodyFormat format) {
        // Log lines about the body carry the ingest span's ids.
        try (CurrentTraceContext.Scope scope = this.tracing.scope(ids.trace(), ids.traceId())) {
            return new Read((format == BodyFormat.JSON)
                    ? DumpReader.dump(body, Utf8.byteOrderMark(body), body.length, ids, System.nanoTime(), 0)
                    : this.protobuf.dump(body, 0, body.length, ids, System.nanoTime(), 0), null);
        }
        catch (InvalidDumpException ex) {
            return new Read(null, problem(IngestOutcome.INVALID, ex.getMessage()));
        }
        catch (ProtobufDumps.TooLargeException ex) {
            return new Read(null, tooLarge(format, true));
        }
    }

    /**
     * Judges each NDJSON line (or delimited message) on its own; the good ones are
     * admitted together, all or none.
     */
    private Mono<Reply> lines(byte[] body, NettyInbound request, RequestIds ids, BodyFormat format) {
        return this.workers.read(body.length, request, () -> {
            try (CurrentTraceContext.Scope scope = this.tracing.scope(ids.trace(), ids.traceId())) {
                return (format == BodyFormat.NDJSON) ? NdjsonBody.read(body, this.maxDumpSize, ids, System.nanoTime())
                        : this.protobuf.stream(body, ids, System.nanoTime());
            }
        }).flatMap((ndjson) -> admit(ndjson, ids, format));
    }

    private Mono<Reply> admit(NdjsonBody ndjson, RequestIds ids, BodyFormat format) {
        String caller = ids.caller();
        List<Dump> dumps = ndjson.dumps();
        List<LineError> errors = ndjson.errors();
        if (dumps.isEmpty()) {
            boolean allTooLarge = !errors.isEmpty()
                    && errors.stream().allMatch((error) -> error.outcome() == IngestOutcome.TOO_LARGE);
            IngestOutcome outcome = allTooLarge ? IngestOutcome.TOO_LARGE : IngestOutcome.INVALID;
            List<LineError> refused = errors;
            if (refused.isEmpty()) {
                // Blank lines only: refused and counted like any body without a dump.
                refused = List.of(new LineError(1, IngestOutcome.INVALID, (format == BodyFormat.NDJSON)
                        ? "no dump in the body: every line is blank" : "no dump in the body: it holds no message"));
            }
            return Mono.just(this.replies.problem(outcome, "no line holds a valid dump", refused).counting(0, refused));
        }
        Reply overQuota = overQuota(caller, dumps.size());
        if (overQuota != null) {
            return Mono.just(overQuota.counting(dumps.size(), errors));
        }
        return admit(dumps).map((outcome) -> {
            Reply reply = (outcome != IngestOutcome.ACCEPTED)
                    ? this.replies.refusal(outcome, errors).logging(errors.size() + " lines refused besides")
                    : this.replies.accepted(dumps.size(), errors);
            return reply.counting(dumps.size(), errors);
        });
    }

    /**
     * The refusal of a request whose dumps are over its caller's rate quota, with the
     * Retry-After its bucket tells; {@code null} when they are within it.
     */
    private Reply overQuota(String caller, int dumps) {
        long waitNanos = this.quotas.take(caller, dumps);
        if (waitNanos == 0) {
            return null;
        }
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        Reply refusal = (waitNanos == CallerQuotas.NEVER)
                ? problem(IngestOutcome.CALLER_RATE_LIMITED, dumps
                        + " dumps in one request are more than forwarder.ingest.callers.rates." + caller + ".burst")
                : this.replies.rateLimited(caller, seconds);
        return refusal.counting(dumps, List.of());
    }

    private Mono<IngestOutcome> admit(List<Dump> dumps) {
        return this.intake.admit(dumps).map((admission) -> switch (admission) {
            case ACCEPTED -> IngestOutcome.ACCEPTED;
            case FULL -> IngestOutcome.QUEUE_FULL;
            case OVER_SHARE -> IngestOutcome.OVER_SHARE;
            case CLOSED -> IngestOutcome.UNAVAILABLE;
            case NOT_BUFFERED -> IngestOutcome.BUFFER_UNAVAILABLE;
        });
    }

    private Mono<Reply> refuse(IngestOutcome outcome) {
        return Mono.just(this.replies.of(outcome));
    }

    private Reply problem(IngestOutcome outcome, String detail) {
        return this.replies.problem(outcome, detail);
    }

    private static long contentLength(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        }
        catch (NumberFormatException ex) {
            return -1;
        }
    }

    /**
     * What a single body was read into.
     *
     * @param dump the dump, or {@code null}
     * @param refusal why the body holds none, or {@code null}
     */
    private record Read(Dump dump, Reply refusal) {
    }

}
