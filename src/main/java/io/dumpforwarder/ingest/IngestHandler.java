package io.dumpforwarder.ingest;

import java.util.List;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.ingest.NdjsonBatch.LineError;
import io.dumpforwarder.pipeline.Dump;
import io.dumpforwarder.pipeline.DumpQueue;
import io.dumpforwarder.pipeline.DumpQueue.Admission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@code POST /v1/dumps}: reads the body up to its limit, checks each dump, queues the good ones and
 * answers at once. Every rejection is counted and answered as an RFC 9457 problem here, and only here.
 */
@Component
class IngestHandler {

    private static final Logger logger = LoggerFactory.getLogger(IngestHandler.class);

    /** Rejected NDJSON lines listed in a reply at most; all of them are counted. */
    static final int MAX_LISTED_ERRORS = 100;

    private static final String ONE_ACCEPTED = "{\"accepted\":1}";

    private final DumpQueue queue;

    private final IngestMetrics metrics;

    private final CallerAuthentication authentication;

    private final BodyBudget budget;

    private final int maxDumpSize;

    private final int maxRequestSize;

    private final String retryAfter;

    /** Bytes of an over-limit body read and dropped at most, so its sender can read the 413. */
    private final long discardLimit;

    IngestHandler(DumpQueue queue, IngestMetrics metrics, CallerAuthentication authentication, BodyBudget budget,
            ForwarderProperties properties) {
        this.queue = queue;
        this.budget = budget;
        this.metrics = metrics;
        this.authentication = authentication;
        this.maxDumpSize = Math.toIntExact(properties.maxDumpSize().toBytes());
        this.maxRequestSize = Math.toIntExact(properties.maxRequestSize().toBytes());
        this.discardLimit = 2L * this.maxRequestSize;
        this.retryAfter = Long.toString(Math.max(1, properties.queue().retryAfter().toSeconds()));
    }

    Mono<ServerResponse> ingest(ServerRequest request) {
        if (!this.authentication.permits(request.headers())) {
            return reject(Received.UNAUTHORIZED, 1, "a valid bearer token is required");
        }
        Format format = Format.of(request.headers().contentType().orElse(null));
        if (format == null) {
            return reject(Received.UNSUPPORTED_MEDIA_TYPE, 1,
                    "Content-Type must be application/json or application/x-ndjson, in UTF-8");
        }
        int limit = (format == Format.JSON) ? this.maxDumpSize : this.maxRequestSize;
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > this.discardLimit) {
            // Too large to read through: answer now and close, rather than read it all.
            return tooLarge(limit, false);
        }
        if (!this.queue.isOpen()) {
            return reject(Received.UNAVAILABLE, 1, busy(Received.UNAVAILABLE));
        }
        if (this.queue.isFull()) {
            // Shed before the body is copied or parsed: under overload a refusal must cost little.
            this.metrics.count(Received.QUEUE_FULL, 1);
            return BodyReader.discard(request.bodyToFlux(DataBuffer.class), this.discardLimit)
                .flatMap((drained) -> problem(Received.QUEUE_FULL, busy(Received.QUEUE_FULL), List.of(), drained));
        }
        String traceId = TraceIds.fromHeaders(request.headers());
        BodyBudget.Lease lease = this.budget.lease();
        return BodyReader.read(request.bodyToFlux(DataBuffer.class), declared, limit, this.discardLimit, lease)
            .flatMap((body) -> (format == Format.JSON) ? one(body, traceId) : lines(body, traceId))
            .onErrorResume((ex) -> refused(ex, limit))
            // Whatever the answer, the body's bytes are either queued as dumps or garbage by now.
            .doFinally((signal) -> lease.close());
    }

    private Mono<ServerResponse> refused(Throwable ex, int limit) {
        if (ex instanceof BodyReader.TooLargeException tooLarge) {
            return tooLarge(limit, tooLarge.drained());
        }
        if (ex instanceof BodyReader.NoBudgetException noBudget) {
            this.metrics.count(Received.INFLIGHT_FULL, 1);
            return problem(Received.INFLIGHT_FULL, busy(Received.INFLIGHT_FULL), List.of(), noBudget.drained());
        }
        return reject(Received.INVALID, 1, "the body could not be read to its end: " + ex.getMessage());
    }

    private Mono<ServerResponse> tooLarge(int limit, boolean drained) {
        this.metrics.count(Received.TOO_LARGE, 1);
        return problem(Received.TOO_LARGE, "body is over the limit of " + limit + " bytes", List.of(), drained);
    }

    private Mono<ServerResponse> one(byte[] body, String headerTraceId) {
        if (body.length == 0) {
            return reject(Received.INVALID, 1, "empty body: a dump must be a JSON object");
        }
        Dump dump;
        try {
            dump = DumpReader.dump(body, 0, body.length, headerTraceId, System.nanoTime());
        }
        catch (InvalidDumpException ex) {
            return reject(Received.INVALID, 1, ex.getMessage());
        }
        Received outcome = admit(List.of(dump));
        if (outcome != Received.ACCEPTED) {
            return reject(outcome, 1, busy(outcome));
        }
        this.metrics.count(Received.ACCEPTED, 1);
        return ServerResponse.accepted().contentType(MediaType.APPLICATION_JSON).bodyValue(ONE_ACCEPTED);
    }

    /** Judges each NDJSON line on its own; the good lines are queued together, all or none. */
    private Mono<ServerResponse> lines(byte[] body, String headerTraceId) {
        NdjsonBatch batch = NdjsonBatch.read(body, this.maxDumpSize, headerTraceId, System.nanoTime());
        List<Dump> dumps = batch.dumps();
        List<LineError> errors = batch.errors();
        errors.forEach((error) -> this.metrics.count(error.outcome(), 1));
        if (dumps.isEmpty()) {
            Received outcome = errors.stream().allMatch((error) -> error.outcome() == Received.TOO_LARGE)
                    && !errors.isEmpty() ? Received.TOO_LARGE : Received.INVALID;
            return problem(outcome, errors.isEmpty() ? "no dump in the body" : "no line holds a valid dump", errors);
        }
        Received outcome = admit(dumps);
        this.metrics.count(outcome, dumps.size());
        if (outcome != Received.ACCEPTED) {
            return problem(outcome, busy(outcome), errors);
        }
        return ServerResponse.accepted()
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(new Report(dumps.size(), errors.size(), listed(errors)));
    }

    private Received admit(List<Dump> dumps) {
        Admission admission = this.queue.offer(dumps);
        return switch (admission) {
            case ACCEPTED -> Received.ACCEPTED;
            case FULL -> Received.QUEUE_FULL;
            case CLOSED -> Received.UNAVAILABLE;
        };
    }

    private static String busy(Received outcome) {
        return switch (outcome) {
            case QUEUE_FULL -> "the queue is full; retry later";
            case INFLIGHT_FULL -> "too many bytes of request bodies are being received (forwarder.ingest.max-inflight-bytes); retry later";
            default -> "dump-forwarder is shutting down; send to another instance";
        };
    }

    private Mono<ServerResponse> reject(Received outcome, long dumps, String detail) {
        this.metrics.count(outcome, dumps);
        return problem(outcome, detail, List.of());
    }

    private Mono<ServerResponse> problem(Received outcome, String detail, List<LineError> errors) {
        return problem(outcome, detail, errors, true);
    }

    /**
     * The one place a refusal becomes an RFC 9457 answer. The connection is closed if the body was not read,
     * and while shutting down, so that keep-alive callers reconnect to another instance.
     */
    private Mono<ServerResponse> problem(Received outcome, String detail, List<LineError> errors, boolean keepAlive) {
        logger.debug("Rejected {}: {}", outcome.tag(), detail);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(outcome.status(), detail);
        problem.setTitle(outcome.title());
        problem.setProperty("outcome", outcome.tag());
        if (!errors.isEmpty()) {
            problem.setProperty("rejected", errors.size());
            problem.setProperty("errors", listed(errors));
        }
        ServerResponse.BodyBuilder response = ServerResponse.status(outcome.status())
            .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (outcome == Received.QUEUE_FULL || outcome == Received.INFLIGHT_FULL) {
            response.header(HttpHeaders.RETRY_AFTER, this.retryAfter);
        }
        if (outcome == Received.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        if (!keepAlive || outcome == Received.UNAVAILABLE) {
            response.header(HttpHeaders.CONNECTION, "close");
        }
        return response.bodyValue(problem);
    }

    private static List<LineError> listed(List<LineError> errors) {
        return (errors.size() > MAX_LISTED_ERRORS) ? errors.subList(0, MAX_LISTED_ERRORS) : errors;
    }

    /** The two accepted body formats; any other media type, or a charset other than UTF-8, is refused. */
    private enum Format {

        JSON, NDJSON;

        static Format of(MediaType type) {
            if (type == null || (type.getCharset() != null && !"UTF-8".equalsIgnoreCase(type.getCharset().name()))) {
                return null;
            }
            if (MediaType.APPLICATION_JSON.equalsTypeAndSubtype(type)) {
                return JSON;
            }
            return MediaType.APPLICATION_NDJSON.equalsTypeAndSubtype(type) ? NDJSON : null;
        }

    }

    /**
     * The reply to an NDJSON request that queued at least one dump.
     *
     * @param accepted dumps queued
     * @param rejected lines refused
     * @param errors the first refused lines with their reasons
     */
    record Report(int accepted, int rejected, List<LineError> errors) {
    }


}
