package io.dumpforwarder.ingest;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.dumpforwarder.caller.Callers;
import io.dumpforwarder.util.LatencyBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * The ingest side of the accounting, each request recorded once:
 * {@code dumps_received_total{outcome}} counts every dump (or NDJSON line) that reached
 * ingest, and {@code dumps_ingest_seconds{outcome}} times every answer, from the
 * request's headers to the answer written; {@code dumps_ingest_malformed_total{status}}
 * the requests the HTTP codec refused, and {@code dumps_ingest_connections} the callers'
 * open connections.
 */
@Component
class IngestMetrics {

    /** By caller, then outcome: every caller's counters are made at start-up. */
    private final Map<String, Map<IngestOutcome, Counter>> received = new HashMap<>();

    private final Map<IngestOutcome, Timer> answers = new EnumMap<>(IngestOutcome.class);

    private final Map<Integer, Counter> refusedByTheCodec = new HashMap<>();

    private final AtomicInteger connections = new AtomicInteger();

    private final Counter connectionsRefused;

    private final AtomicInteger streams = new AtomicInteger();

    private final Counter streamsRefused;

    private final Counter streamsMalformed;

    private final Counter answersNotTaken;

    private final Map<String, Counter> connectionErrors = new HashMap<>();

    private final Map<String, Counter> protocols = new HashMap<>();

    IngestMetrics(MeterRegistry registry, Callers callers) {
        for (String caller : callers.all()) {
            Map<IngestOutcome, Counter> outcomes = new EnumMap<>(IngestOutcome.class);
            for (IngestOutcome outcome : IngestOutcome.values()) {
                outcomes.put(outcome, Counter.builder("dumps.received")
                    .description("Dumps received on the ingest API, by caller and outcome (an NDJSON request counts "
                            + "each line)")
                    .tag("caller", caller)
                    .tag("outcome", outcome.tag())
                    .register(registry));
            }
            this.received.put(caller, outcomes);
        }
        for (IngestOutcome outcome : IngestOutcome.values()) {
            this.answers.put(outcome, Timer.builder("dumps.ingest")
                .description(
                        "Time to answer a POST /v1/dumps, from its headers to its answer, by the request's outcome")
                .tag("outcome", outcome.tag())
                .serviceLevelObjectives(LatencyBuckets.upTo())
                .register(registry));
        }
        for (int status : new int[] { 400, 408, 413, 414, 431 }) {
            this.refusedByTheCodec.put(status, Counter.builder("dumps.ingest.malformed")
                .description("Requests the HTTP codec refused before ingest read them (400 malformed, 408 headers not "
                        + "in within forwarder.ingest.request-timeout, 413, 414 request line over "
                        + "server.netty.max-initial-line-length, 431 headers over server.max-http-request-header-size)")
                .tag("status", Integer.toString(status))
                .register(registry));
        }
        Gauge.builder("dumps.ingest.connections", this.connections, AtomicInteger::get)
            .description("Open connections of callers to the ingest port")
            .register(registry);
        for (String protocol : List.of(ConnectionProtocol.HTTP_1_1, ConnectionProtocol.H2C, ConnectionProtocol.H2)) {
            this.protocols.put(protocol,
                    Counter.builder("dumps.ingest.connections.opened")
                        .description("Connections of callers to the ingest port, by the protocol they speak")
                        .tag("protocol", protocol)
                        .register(registry));
        }
        this.connectionsRefused = Counter.builder("dumps.ingest.connections.refused")
            .description("Connections closed as soon as accepted: forwarder.ingest.max-connections were open")
            .register(registry);
        Gauge.builder("dumps.ingest.streams", this.streams, AtomicInteger::get)
            .description("Open HTTP/2 streams of callers to the ingest port, over all connections")
            .register(registry);
        this.streamsRefused = Counter.builder("dumps.ingest.streams.refused")
            .description("HTTP/2 streams refused (REFUSED_STREAM) before their request was read: "
                    + "forwarder.ingest.http2.max-streams were open")
            .register(registry);
        this.streamsMalformed = Counter.builder("dumps.ingest.streams.malformed")
            .description("HTTP/2 streams HTTP/2 itself reset as malformed (RST_STREAM PROTOCOL_ERROR), most before "
                    + "ingest read a request: headers over server.max-http-request-header-size (answered 431 first) "
                    + "or not valid in HTTP/2")
            .register(registry);
        this.answersNotTaken = Counter.builder("dumps.ingest.write.timeouts")
            .description("Connections closed because the caller did not take an answer within "
                    + "forwarder.ingest.write-timeout")
            .register(registry);
        for (String kind : List.of("http2", "io", "other")) {
            this.connectionErrors.put(kind, Counter.builder("dumps.ingest.connection.errors")
                .description("Callers' connections closed on an error of the connection itself, by kind (http2: a "
                        + "protocol error or too many resets; io: reset by the peer)")
                .tag("kind", kind)
                .register(registry));
        }
    }

    void count(String caller, IngestOutcome outcome, long dumps) {
        this.received.get(caller).get(outcome).increment(dumps);
    }

    /**
     * A request was answered with this outcome; it started at {@code startNanos}
     * ({@link System#nanoTime()}).
     */
    void answered(IngestOutcome outcome, long startNanos) {
        this.answers.get(outcome).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void refusedByTheCodec(int status) {
        this.refusedByTheCodec.get(status).increment();
    }

    /** The callers' connections open now. */
    int openConnections() {
        return this.connections.get();
    }

    /**
     * Counts a new connection if fewer than {@code max} are open, and tells whether it
     * was; else counts it refused.
     */
    boolean connectionOpened(int max) {
        if (this.connections.incrementAndGet() > max) {
            this.connections.decrementAndGet();
            this.connectionsRefused.increment();
            return false;
        }
        return true;
    }

    /**
     * Counts a new HTTP/2 stream if fewer than {@code max} are open, and tells whether it
     * was; else counts it refused.
     */
    boolean streamOpened(int max) {
        int open;
        do {
            open = this.streams.get();
            if (open >= max) {
                this.streamsRefused.increment();
                return false;
            }
        }
        while (!this.streams.compareAndSet(open, open + 1));
        return true;
    }

    void streamMalformed() {
        this.streamsMalformed.increment();
    }

    void streamClosed() {
        this.streams.decrementAndGet();
    }

    void connectionError(String kind) {
        this.connectionErrors.get(kind).increment();
    }

    void answerNotTaken() {
        this.answersNotTaken.increment();
    }

    void connectionSpeaks(String protocol) {
        this.protocols.get(protocol).increment();
    }

    void connectionClosed() {
        this.connections.decrementAndGet();
    }

}
