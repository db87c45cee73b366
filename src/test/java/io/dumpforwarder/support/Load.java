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
        this.client = HttpClient.create().baseUrl("http://127.0.0.1:" + port);
    }

    /**
     * Offers this many dumps, one every {@code every}, and completes when all are
     * answered.
     */
    public Mono<Void> offer(int dumps, Duration every) {
        return Flux.interval(every)
            .take(dumps)
            .onBackpressureBuffer()
            .flatMap((i) -> this.client
                .headers((headers) -> headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON))
                .post()
                .uri("/v1/dumps")
                .send(ByteBufFlux.fromString(Mono.just("{\"uid\":" + i + ",\"traceId\":\"load\"}")))
                .responseSingle((response, body) -> body.then(Mono.just(response.status().code())))
                .onErrorReturn(-1)
                .doOnNext(
                        (status) -> this.statuses.computeIfAbsent(status, (key) -> new AtomicLong()).incrementAndGet()),
                    256)
            .then();
    }

    /** How many answers had this status (-1: no answer). */
    public long answered(int status) {
        AtomicLong count = this.statuses.get(status);
        return (count != null) ? count.get() : 0;
    }

}
