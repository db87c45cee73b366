package io.dumpforwarder.ingest;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.IngestProperties;
import io.dumpforwarder.ingest.NdjsonBody.LineError;
import io.netty.util.AsciiString;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

/**
 * The bodies of the ingest API's answers, encoded once where they never change: the 202
 * of one dump and every refusal whose text is fixed (503s, 401, 415, 413) are bytes ready
 * to send, so that shedding load costs almost nothing. Refusals that name what was wrong,
 * and NDJSON reports, are encoded per request.
 */
@Component
class Replies {

    /** Rejected NDJSON lines listed in a reply at most; all of them are counted. */
    static final int MAX_LISTED_ERRORS = 100;

    private static final byte[] ONE_ACCEPTED = "{\"accepted\":1}".getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper json;

    private final Map<IngestOutcome, String> details = new EnumMap<>(IngestOutcome.class);

    private final Map<IngestOutcome, Reply> fixed = new EnumMap<>(IngestOutcome.class);

    private final Reply jsonTooLarge;

    private final Reply ndjsonTooLarge;

    Replies(JsonMapper json, ForwarderProperties properties, IngestProperties ingest) {
        this.json = json;
        this.details.put(IngestOutcome.UNAUTHORIZED, "a valid bearer token is required");
        this.details.put(IngestOutcome.UNSUPPORTED_MEDIA_TYPE,
                ingest.protobuf().enabled()
                        ? "Content-Type must be application/json or application/x-ndjson, in UTF-8, or "
                                + BodyFormat.PROTOBUF_TYPE + " (with ; delimited=true for a length-delimited stream)"
                        : "Content-Type must be application/json or application/x-ndjson, in UTF-8");
        this.details.put(IngestOutcome.QUEUE_FULL, "the queue is full; retry later");
        this.details.put(IngestOutcome.OVER_SHARE,
                "the queue, the bytes being received or the buffer's unacknowledged "
                        + "bytes are filling and this caller holds more than its share of them while others wait "
                        + "(forwarder.ingest.callers.*); retry later");
        this.details.put(IngestOutcome.TOO_SLOW, "the body arrived slower than forwarder.ingest.min-body-rate ("
                + ingest.minBodyRate().toBytes() + " bytes a second)");
        this.details.put(IngestOutcome.INFLIGHT_FULL,
                "too many bytes of request bodies are being received (forwarder.ingest.max-inflight-bytes); retry later");
        this.details.put(IngestOutcome.UNAVAILABLE, "dump-forwarder is shutting down; send to another instance");
        this.details.put(IngestOutcome.BUFFER_UNAVAILABLE,
                "Kafka did not acknowledge the dumps within forwarder.buffer.kafka.send-timeout; retry later");
        this.fixed.put(IngestOutcome.ACCEPTED, new Reply(IngestOutcome.ACCEPTED, ONE_ACCEPTED, null));
        this.details.forEach((outcome, detail) -> this.fixed.put(outcome, problem(outcome, detail)));
        this.jsonTooLarge = tooLarge(properties.maxDumpSize().toBytes());
        this.ndjsonTooLarge = tooLarge(properties.maxRequestSize().toBytes());
    }

    /**
     * The answer whose text never changes: one dump accepted, or a refusal that names no
     * detail of the request.
     */
    Reply of(IngestOutcome outcome) {
        Reply reply = this.fixed.get(outcome);
        if (reply == null) {
            throw new IllegalArgumentException("no fixed reply for " + outcome);
        }
        return reply;
    }

    /**
     * 413 for a body over its limit: max-dump-size for one JSON dump, max-request-size
     * for NDJSON.
     */
    Reply tooLarge(boolean ndjson) {
        return ndjson ? this.ndjsonTooLarge : this.jsonTooLarge;
    }

    /**
     * A refusal of an NDJSON body whose good lines were not queued (queue full, shutting
     * down), listing the bad ones.
     */
    Reply refusal(IngestOutcome outcome, List<LineError> errors) {
        return errors.isEmpty() ? of(outcome) : problem(outcome, this.details.get(outcome), errors);
    }

    /** A refusal that says what was wrong with this request. */
    Reply problem(IngestOutcome outcome, String detail) {
        return problem(outcome, detail, List.of());
    }

    /**
     * A refusal of an NDJSON body, listing the refused lines (the first
     * {@value #MAX_LISTED_ERRORS} of them).
     */
    Reply problem(IngestOutcome outcome, String detail, List<LineError> errors) {
        Integer rejected = errors.isEmpty() ? null : errors.size();
        Problem problem = new Problem("about:blank", outcome.title(), outcome.status().value(), detail, outcome,
                rejected, errors.isEmpty() ? null : listed(errors));
        return new Reply(outcome, this.json.writeValueAsBytes(problem), detail);
    }

    /**
     * 429 for a caller over its rate quota, with the Retry-After its bucket tells.
     */
    Reply rateLimited(String caller, long retryAfterSeconds) {
        Reply problem = problem(IngestOutcome.CALLER_RATE_LIMITED, "caller " + caller
                + " is over its rate quota (forwarder.ingest.callers.rates." + caller + "); retry later");
        return problem.retryingAfter(AsciiString.of(Long.toString(retryAfterSeconds)));
    }

    /**
     * 202 for an NDJSON body: how many dumps were queued and which lines were refused.
     */
    Reply accepted(int accepted, List<LineError> errors) {
        Report report = new Report(accepted, errors.size(), listed(errors));
        return new Reply(IngestOutcome.ACCEPTED, this.json.writeValueAsBytes(report), null);
    }

    private Reply tooLarge(long limit) {
        return problem(IngestOutcome.TOO_LARGE, "body is over the limit of " + limit + " bytes");
    }

    /**
     * The body of an answer the HTTP codec gives to a request it could not decode, before
     * any handler ran: the status is Reactor Netty's, the problem says why.
     */
    byte[] codecProblem(int status, String title, String detail) {
        IngestOutcome outcome = (status == 400) ? IngestOutcome.INVALID : IngestOutcome.TOO_LARGE;
        return this.json.writeValueAsBytes(new Problem("about:blank", title, status, detail, outcome, null, null));
    }

    private static List<LineError> listed(List<LineError> errors) {
        return (errors.size() > MAX_LISTED_ERRORS) ? errors.subList(0, MAX_LISTED_ERRORS) : errors;
    }

    /**
     * An RFC 9457 problem, with the ingest outcome and, for NDJSON, the refused lines as
     * extension members.
     *
     * @param type always {@code about:blank}: the status says what happened
     * @param title the outcome's title
     * @param status the HTTP status
     * @param detail what was wrong
     * @param outcome the {@code outcome} label it was counted under
     * @param rejected NDJSON lines refused, or {@code null}
     * @param errors the first refused lines with their reasons, or {@code null}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Problem(String type, String title, int status, String detail, IngestOutcome outcome, Integer rejected,
            List<LineError> errors) {
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
