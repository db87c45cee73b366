package io.dumpforwarder;

import java.time.Duration;
import java.util.stream.IntStream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The breaker opens on failures, fails fast without the network while open, probes, and closes on recovery. */
@TestPropertySource(properties = { "forwarder.max-concurrency=1",
        "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=4",
        "resilience4j.circuitbreaker.instances.dump.wait-duration-in-open-state=1s",
        "resilience4j.circuitbreaker.instances.dump.permitted-number-of-calls-in-half-open-state=2" })
class CircuitBreakerTests extends ServiceTest {

    @Autowired
    CircuitBreakerRegistry breakers;

    @Test
    void opensFailsFastThenHalfOpensAndClosesAfterRecovery() {
        CircuitBreaker breaker = this.breakers.circuitBreaker("dump");
        assertThat(breaker.getCircuitBreakerConfig().getSlidingWindowSynchronizationStrategy())
            .as("records outcomes on event loops without a lock")
            .isEqualTo(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE);
        assertThat(breaker.getCircuitBreakerConfig().getMinimumNumberOfCalls()).as("tuning still comes from YAML")
            .isEqualTo(4);
        downstream.answer(500);
        IntStream.range(0, 4).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") == 4);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

        long started = System.nanoTime();
        IntStream.range(0, 20).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded("circuit_open") == 20);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(downstream.requestCount()).isEqualTo(4);

        downstream.answer(204);
        // After the open wait the next dumps are the half-open probes; two successes close the breaker.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            accept(dump(99));
            return breaker.getState() == CircuitBreaker.State.CLOSED;
        });
        assertThat(this.meters.forwarded("success")).isGreaterThanOrEqualTo(2);
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
