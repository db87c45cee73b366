package io.dumpforwarder.support;

import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * Dumps offered to the ingest port at a steady rate, each on its own request, without
 * waiting for the answers before the next one goes: an open-loop load. Answers are
 * counted by status.
 */
public final class Load {

    private final HttpClient client;

    private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();

    private final AtomicLong slowestNanos = new AtomicLong();

    /** When each answered request started and how long it waited, in nanoseconds. */
    private final Queue<long[]> waits = new ConcurrentLinkedQueue<>();

    public Load(int port) {
        this(port, null);
    }

    /**
     * A load whose requests name this caller in {@code X-Caller} ({@code null}: none).
     */
    public Load(int port, String caller) {
        this.client = HttpClient.create().baseUrl("http://127.0.0.1:" + port).headers((headers) -> {
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            if (caller != null) {
                headers.set("X-Caller", caller);
            }
        });
    }

    /**
     * Offers this many dumps, one every {@code every}, and completes when all are
     * answered.
     */
    public Mono<Void> offer(int dumps, Duration every) {
        return Flux.interval(every).take(dumps).onBackpressureBuffer().flatMap(this::post, 256).then();
    }

    /**
     * Offers dumps flat out, {@code requests} at a time (a closed loop), until
     * {@code until} signals.
     */
    public Mono<Void> flood(int requests, Mono<?> until) {
        return Flux.range(0, Integer.MAX_VALUE).flatMap(this::post, requests).takeUntilOther(until).then();
    }

    /**
     * Offers a dump every {@code every} until {@code until} signals, and completes when
     * all are answered (or given up after 30 s, counted as no answer).
     */
    public Mono<Void> offerUntil(Duration every, Mono<?> until) {
        return Flux.interval(every)
            .takeUntilOther(until)
            .onBackpressureBuffer()
            .flatMap((i) -> post(i).timeout(Duration.ofSeconds(30), Mono.fromSupplier(() -> count(-1))), 256)
            .then();
    }

    private Mono<Integer> post(long i) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return this.client.post()
                .uri("/v1/dumps")
                .send(ByteBufFlux.fromString(Mono.just("{\"uid\":" + i + ",\"traceId\":\"load\"}")))
                .responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
                .onErrorReturn(-1)
                .doOnNext((status) -> {
                    long waited = System.nanoTime() - start;
                    this.slowestNanos.accumulateAndGet(waited, Math::max);
                    this.waits.add(new long[] { start, waited });
                });
        }).doOnNext(this::count);
    }

    private int count(int status) {
        this.statuses.computeIfAbsent(status, (key) -> new AtomicLong()).incrementAndGet();
        return status;
    }

    /**
     * The longest wait for an answer among the requests started between these
     * {@link System#nanoTime()} instants and answered so far.
     */
    public Duration slowestStartedBetween(long from, long to) {
        return Duration.ofNanos(this.waits.stream()
            .filter((wait) -> wait[0] - from >= 0 && to - wait[0] >= 0)
            .mapToLong((wait) -> wait[1])
            .max()
            .orElse(0));
    }

    /** The longest wait for an answer so far. */
    public Duration slowest() {
        return Duration.ofNanos(this.slowestNanos.get());
    }

    /** How many answers had this status (-1: no answer). */
    public long answered(int status) {
        AtomicLong count = this.statuses.get(status);
        return (count != null) ? count.get() : 0;
    }

}
