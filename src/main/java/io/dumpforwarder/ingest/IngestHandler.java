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
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.ingest.NdjsonBody.LineError;
import io.dumpforwarder.pipeline.Intake;
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
            ForwarderProperties properties) {
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
        this.retryAfter = AsciiString.cached(Long.toString(Math.max(1, properties.queue().retryAfter().toSeconds())));
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
            .flatMap((reply) -> reply.send(response, this.retryAfter).doFinally((signal) -> {
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

    private Mono<Reply> reply(HttpServerRequest request, RequestIds ids, boolean authorized) {
        HttpHeaders headers = request.requestHeaders();
        String caller = ids.caller();
        if (headers.getAll(HttpHeaderNames.AUTHORIZATION).size() > 1) {
            return Mono.just(problem(caller, IngestOutcome.INVALID, 1, "Authorization is given more than once"));
        }
        if (!authorized) {
            return refuse(caller, IngestOutcome.UNAUTHORIZED, 1);
        }
        String keyProblem = RequestIds.keyProblem(headers);
        if (keyProblem != null) {
            return Mono.just(problem(caller, IngestOutcome.INVALID, 1, keyProblem));
        }
        BodyFormat format = BodyFormat.of(headers.get(HttpHeaderNames.CONTENT_TYPE));
        if (format == null) {
            return refuse(caller, IngestOutcome.UNSUPPORTED_MEDIA_TYPE, 1);
        }
        if (format.protobuf() && !this.protobuf.enabled()) {
            return Mono.just(problem(caller, IngestOutcome.UNSUPPORTED_MEDIA_TYPE, 1,
                    "protobuf dumps are off here (forwarder.ingest.protobuf.descriptor-set is not set): send "
                            + "application/json or application/x-ndjson"));
        }
        ContentCoding coding = this.bodies.coding(headers.getAll(HttpHeaderNames.CONTENT_ENCODING));
        if (coding == null) {
            return Mono.just(problem(caller, IngestOutcome.UNSUPPORTED_MEDIA_TYPE, 1,
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
            return Mono.just(tooLarge(caller, format, false));
        }
        if (!this.intake.isOpen()) {
            return refuse(caller, IngestOutcome.UNAVAILABLE, 1);
        }
        if (expectsContinue && this.budget.isOverShare(caller, declared)) {
            return refuse(caller, IngestOutcome.OVER_SHARE, 1).map((reply) -> reply.drained(false));
        }
        if (expectsContinue && declared > this.budget.available()) {
            return refuse(caller, IngestOutcome.INFLIGHT_FULL, 1).map((reply) -> reply.drained(false));
        }
        if (this.intake.isFull()) {
            // Shed before the body is copied or parsed: under overload a refusal must
            // cost little.
            this.metrics.count(caller, IngestOutcome.QUEUE_FULL, 1);
            if (expectsContinue) {
                return Mono.just(this.replies.of(IngestOutcome.QUEUE_FULL).drained(false));
            }
            return this.bodies.discard(request.receive()).map(this.replies.of(IngestOutcome.QUEUE_FULL)::drained);
        }
        BodyBudget.Lease lease = this.budget.lease(caller);
        return this.bodies.read(request.receive(), declared, limit, lease, coding)
            .flatMap((body) -> this.workers.read(body.length, () -> {
                // Log lines about the body carry the ingest span's ids.
                try (CurrentTraceContext.Scope scope = this.tracing.scope(ids.trace(), ids.traceId())) {
                    return format.single() ? one(body, ids, format) : lines(body, ids, format);
                }
            }))
            .onErrorResume((ex) -> Mono.just(refused(caller, ex, format)))
            // Whatever the answer, the body's bytes are either held as dumps or garbage
            // by now (the reader lets go of them however the body ends): the budget is
            // given back before the answer goes out, so a caller that reads its answer
            // finds the budget free.
            .doOnTerminate(lease::close)
            .doOnCancel(lease::close);
    }

    private Reply refused(String caller, Throwable ex, BodyFormat format) {
        if (ex instanceof BodyReader.TooLargeException tooLarge) {
            return tooLarge(caller, format, tooLarge.drained());
        }
        if (ex instanceof BodyReader.NoBudgetException noBudget) {
            this.metrics.count(caller, IngestOutcome.INFLIGHT_FULL, 1);
            return this.replies.of(IngestOutcome.INFLIGHT_FULL).drained(noBudget.drained());
        }
        if (ex instanceof BodyReader.OverShareException overShare) {
            this.metrics.count(caller, IngestOutcome.OVER_SHARE, 1);
            return this.replies.of(IngestOutcome.OVER_SHARE).drained(overShare.drained());
        }
        if (ex instanceof BodyReader.UndecodableException undecodable) {
            return problem(caller, IngestOutcome.INVALID, 1, undecodable.getMessage()).drained(undecodable.drained());
        }
        if (ex instanceof RejectedExecutionException) {
            // The workers are stopped: the service is shutting down.
            this.metrics.count(caller, IngestOutcome.UNAVAILABLE, 1);
            return this.replies.of(IngestOutcome.UNAVAILABLE).drained(true);
        }
        if (ex instanceof BodyReader.TooSlowException || ex instanceof RequestDeadline.RequestTimeoutException) {
            this.metrics.count(caller, IngestOutcome.TOO_SLOW, 1);
            return this.replies.of(IngestOutcome.TOO_SLOW).drained(false);
        }
        return problem(caller, IngestOutcome.INVALID, 1, "the body could not be read to its end: " + ex.getMessage());
    }

    private Reply tooLarge(String caller, BodyFormat format, boolean drained) {
        this.metrics.count(caller, IngestOutcome.TOO_LARGE, 1);
        return this.replies.tooLarge(!format.single()).drained(drained);
    }

    private Mono<Reply> one(byte[] body, RequestIds ids, BodyFormat format) {
        String caller = ids.caller();
        if (body.length == 0) {
            return Mono.just(problem(caller, IngestOutcome.INVALID, 1,
                    (format == BodyFormat.JSON) ? "empty body: a dump must be a JSON object"
                            : "empty body: a protobuf dump must have a field set (a message with none is no bytes)"));
        }
        Dump dump;
        try {
            dump = (format == BodyFormat.JSON)
                    ? DumpReader.dump(body, Utf8.byteOrderMark(body), body.length, ids, System.nanoTime(), 0)
                    : this.protobuf.dump(body, 0, body.length, ids, System.nanoTime(), 0);
        }
        catch (InvalidDumpException ex) {
            return Mono.just(problem(caller, IngestOutcome.INVALID, 1, ex.getMessage()));
        }
        if (dump.body().length > this.maxDumpSize) {
            // A protobuf dump whose JSON is larger than the limit.
            return Mono.just(tooLarge(caller, format, true));
        }
        Reply overQuota = overQuota(caller, 1);
        if (overQuota != null) {
            return Mono.just(overQuota);
        }
        return admit(List.of(dump)).map((outcome) -> {
            this.metrics.count(caller, outcome, 1);
            return this.replies.of(outcome);
        });
    }

    /**
     * Judges each NDJSON line on its own; the good lines are admitted together, all or
     * none.
     */
    private Mono<Reply> lines(byte[] body, RequestIds ids, BodyFormat format) {
        String caller = ids.caller();
        NdjsonBody ndjson = (format == BodyFormat.NDJSON)
                ? NdjsonBody.read(body, this.maxDumpSize, ids, System.nanoTime())
                : this.protobuf.stream(body, this.maxDumpSize, ids, System.nanoTime());
        List<Dump> dumps = ndjson.dumps();
        List<LineError> errors = ndjson.errors();
        errors.forEach((error) -> this.metrics.count(caller, error.outcome(), 1));
        if (dumps.isEmpty()) {
            boolean allTooLarge = !errors.isEmpty()
                    && errors.stream().allMatch((error) -> error.outcome() == IngestOutcome.TOO_LARGE);
            IngestOutcome outcome = allTooLarge ? IngestOutcome.TOO_LARGE : IngestOutcome.INVALID;
            List<LineError> refused = errors;
            if (refused.isEmpty()) {
                // Blank lines only: refused and counted like any body without a dump.
                refused = List.of(new LineError(1, IngestOutcome.INVALID, (format == BodyFormat.NDJSON)
                        ? "no dump in the body: every line is blank" : "no dump in the body: it holds no message"));
                this.metrics.count(caller, IngestOutcome.INVALID, 1);
            }
            String detail = "no line holds a valid dump";
            return Mono.just(log(this.replies.problem(outcome, detail, refused), caller, detail));
        }
        Reply overQuota = overQuota(caller, dumps.size());
        if (overQuota != null) {
            return Mono.just(overQuota);
        }
        return admit(dumps).map((outcome) -> {
            this.metrics.count(caller, outcome, dumps.size());
            if (outcome != IngestOutcome.ACCEPTED) {
                return log(this.replies.refusal(outcome, errors), caller, errors.size() + " lines refused besides");
            }
            return this.replies.accepted(dumps.size(), errors);
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
        this.metrics.count(caller, IngestOutcome.CALLER_RATE_LIMITED, dumps);
        if (waitNanos == CallerQuotas.NEVER) {
            return log(this.replies.problem(IngestOutcome.CALLER_RATE_LIMITED, dumps + " dumps in one request are more "
                    + "than forwarder.ingest.callers.rates." + caller + ".burst"), caller, "over its burst");
        }
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        return log(this.replies.rateLimited(caller, seconds), caller, "over its rate quota");
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

    private Mono<Reply> refuse(String caller, IngestOutcome outcome, long dumps) {
        this.metrics.count(caller, outcome, dumps);
        return Mono.just(this.replies.of(outcome));
    }

    private Reply problem(String caller, IngestOutcome outcome, long dumps, String detail) {
        this.metrics.count(caller, outcome, dumps);
        return log(this.replies.problem(outcome, detail), caller, detail);
    }

    private static Reply log(Reply reply, String caller, String detail) {
        logger.atDebug()
            .addKeyValue("caller", caller)
            .log("Rejected {} from caller {}: {}", reply.outcome().tag(), caller, detail);
        return reply;
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

}
