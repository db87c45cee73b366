package io.dumpforwarder.support;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    private Mono<Integer> post(long i) {
        return this.client.post()
            .uri("/v1/dumps")
            .send(ByteBufFlux.fromString(Mono.just("{\"uid\":" + i + ",\"traceId\":\"load\"}")))
            .responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
            .onErrorReturn(-1)
            .doOnNext((status) -> this.statuses.computeIfAbsent(status, (key) -> new AtomicLong()).incrementAndGet());
    }

    /** How many answers had this status (-1: no answer). */
    public long answered(int status) {
        AtomicLong count = this.statuses.get(status);
        return (count != null) ? count.get() : 0;
    }

}
