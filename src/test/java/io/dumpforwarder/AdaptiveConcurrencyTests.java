package io.dumpforwarder;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * In adaptive mode the limit on forwards in flight follows a collector whose capacity
 * changes: it serves at most N requests at a time, 50 ms each, and queues the rest.
 * Timeouts are far away and the breaker stays closed, so only the collector's queueing
 * moves the limit; the ceiling is max-concurrency, 30. At 50 ms a request, the ceiling
 * needs only 600 forwards a second, which any machine sustains: the limit grows only
 * while it is used.
 */
@TestPropertySource(properties = { "forwarder.retry.enabled=false", "forwarder.concurrency.mode=adaptive",
        "forwarder.circuit-open=drop", "forwarder.max-concurrency=30", "forwarder.concurrency.initial-limit=20",
        "forwarder.queue.capacity=50000", "forwarder.max-age=2m", "forwarder.client.response-timeout=2s",
        "forwarder.client.attempt-timeout=3s",
        "resilience4j.circuitbreaker.instances.dump.slow-call-duration-threshold=3s",
        AbstractServiceTests.BREAKER_NEVER_OPENS })
class AdaptiveConcurrencyTests extends AbstractServiceTests {

    private static final int CEILING = 30;

    private static final Duration SERVICE_TIME = Duration.ofMillis(50);

    /**
     * The limit moves per round trip, so its moves take as long as the collector is slow;
     * generous.
     */
    private static final Duration LIMIT_WAIT = Duration.ofSeconds(60);

    @Test
    void theLimitFallsWithTheCollectorsCapacityRisesWithItAndNeverPassesTheCeiling() {
        collector.answer(204, SERVICE_TIME).capacity(20);
        AtomicInteger highest = new AtomicInteger();
        Disposable watch = Flux.interval(Duration.ofMillis(5))
            .subscribe((tick) -> highest.accumulateAndGet(limit(), Math::max));
        Disposable feeder = keepQueued(1000);
        try {
            await().atMost(LIMIT_WAIT).until(() -> collector.requestCount() > 1000);

            collector.capacity(4);
            await().atMost(LIMIT_WAIT).until(() -> limit() <= 12);

            collector.capacity(40);
            await().atMost(LIMIT_WAIT).until(() -> limit() == CEILING);
        }
        finally {
            feeder.dispose();
            watch.dispose();
        }
        awaitIdle();
        assertThat(highest.get()).isLessThanOrEqualTo(CEILING);
        assertThat(collector.maxConcurrentRequests()).isLessThanOrEqualTo(CEILING);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void overloadAnswersAreDropsAndOpenBreakerRejectionsAreIgnored() {
        double dropped = calls("dropped");
        double samples = calls("success");
        collector.answer(503);
        IntStream.range(0, 10).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> calls("dropped") == dropped + 10);
        collector.answer(400);
        IntStream.range(0, 10).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> calls("success") == samples + 10);

        CircuitBreaker breaker = breaker();
        breaker.transitionToForcedOpenState();
        try {
            double ignored = calls("ignored");
            int limit = limit();
            long open = this.meters.forwarded("circuit_open");
            IntStream.range(0, 50).forEach((i) -> accept(dump(i)));
            await().atMost(WAIT).until(() -> this.meters.forwarded("circuit_open") == open + 50);
            assertThat(calls("ignored")).isEqualTo(ignored + 50);
            assertThat(calls("dropped")).isEqualTo(dropped + 10);
            assertThat(calls("success")).isEqualTo(samples + 10);
            assertThat(limit()).isEqualTo(limit);
        }
        finally {
            breaker.transitionToClosedState();
        }
    }

    /**
     * Posts NDJSON batches of 200 dumps whenever fewer than this many wait, so the limit
     * is never idle.
     */
    private Disposable keepQueued(int depth) {
        WebClient client = WebClient.create("http://127.0.0.1:" + this.port);
        String batch = IntStream.range(0, 200).mapToObj(AbstractServiceTests::dump).collect(Collectors.joining("\n"));
        return Flux.interval(Duration.ofMillis(20))
            .onBackpressureDrop()
            .filter((tick) -> this.meters.queued() < depth)
            .concatMap((tick) -> client.post()
                .uri("/v1/dumps")
                .contentType(MediaType.APPLICATION_NDJSON)
                .bodyValue(batch)
                .retrieve()
                .toBodilessEntity(), 1)
            .subscribe();
    }

    private int limit() {
        return (int) this.meters.gauge("dumps.forward.limit");
    }

    private double calls(String status) {
        return this.meters.count("dumps.forward.limit.calls", "status", status);
    }

}
