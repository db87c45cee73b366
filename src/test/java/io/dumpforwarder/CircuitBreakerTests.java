package io.dumpforwarder;

import java.time.Duration;
import java.util.stream.IntStream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The breaker opens on the collector's failures, fails fast without the network while
 * open (dropping, here), probes, and closes on recovery; successes, however slow, and 4xx
 * answers about the dump never open it.
 */
@TestPropertySource(properties = { "forwarder.max-concurrency=1", "forwarder.circuit-open=drop",
        "forwarder.client.response-timeout=2s", "forwarder.client.attempt-timeout=3s",
        "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=4",
        "resilience4j.circuitbreaker.instances.dump.wait-duration-in-open-state=5s",
        "resilience4j.circuitbreaker.instances.dump.permitted-number-of-calls-in-half-open-state=2" })
class CircuitBreakerTests extends AbstractServiceTests {

    @BeforeEach
    void closeTheBreaker() {
        closeBreaker();
    }

    @Test
    void opensFailsFastThenHalfOpensAndClosesAfterRecovery() {
        assertThat(breaker().getCircuitBreakerConfig().getSlidingWindowSynchronizationStrategy())
            .as("records outcomes on event loops without a lock")
            .isEqualTo(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE);
        assertThat(breaker().getCircuitBreakerConfig().getMinimumNumberOfCalls()).as("tuning still comes from YAML")
            .isEqualTo(4);
        collector.answer(500);
        long failed = this.meters.forwarded("http_5xx");
        long dropped = this.meters.forwarded("circuit_open");
        int sent = collector.requestCount();
        IntStream.range(0, 4).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") == failed + 4);
        assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

        // Open for 5 s: the next 20 dumps are dropped without touching the collector.
        IntStream.range(0, 20).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded("circuit_open") == dropped + 20);
        assertThat(collector.requestCount()).isEqualTo(sent + 4);

        collector.answer(204);
        // After the open wait the next dumps are the half-open probes; two successes
        // close the breaker.
        await().atMost(WAIT.multipliedBy(2)).pollInterval(Duration.ofMillis(100)).until(() -> {
            accept(dump(99));
            return breaker().getState() == CircuitBreaker.State.CLOSED;
        });
        assertThat(collector.requestCount()).isGreaterThanOrEqualTo(sent + 6);
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void slowSuccessesAndAnswersAboutTheDumpNeverOpenIt() {
        // Far slower than any collector should be, yet each call succeeds: proof the
        // collector works.
        long success = this.meters.forwarded("success");
        long refused = this.meters.forwarded("http_4xx");
        collector.answer(204, Duration.ofMillis(200));
        IntStream.range(0, 6).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == success + 6);
        collector.answer(400);
        IntStream.range(0, 6).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_4xx") == refused + 6);

        assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        CircuitBreaker.Metrics metrics = breaker().getMetrics();
        assertThat(metrics.getNumberOfSlowCalls()).isZero();
        assertThat(metrics.getNumberOfFailedCalls()).isZero();
        assertThat(metrics.getNumberOfBufferedCalls()).as("the 400s are not counted at all").isEqualTo(6);
    }

}
