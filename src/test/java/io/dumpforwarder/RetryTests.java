package io.dumpforwarder;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retries against a real collector: a curable failure is tried again until delivered,
 * paced by the budget (here two retries of one dump a second), a 4xx is not, a failure
 * that lasts is tried until the dump's max age, and a Retry-After is waited out. Each
 * test has a fresh budget (a new context); the breaker is kept closed.
 */
@TestPropertySource(properties = { "forwarder.retry.enabled=true", "forwarder.retry.initial-backoff=20ms",
        "forwarder.retry.max-backoff=50ms", "forwarder.retry.budget-ratio=1.0", "forwarder.retry.budget-window=1s",
        "forwarder.max-age=4s", AbstractServiceTests.BREAKER_NEVER_OPENS })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class RetryTests extends AbstractServiceTests {

    @Test
    void retriesACurableFailureUntilTheDumpIsDelivered() {
        collector.failNext(2, 503, null);

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == 1);
        assertThat(collector.requestCount()).isEqualTo(3);
        assertThat(attempts("http_5xx")).isEqualTo(2);
        assertThat(attempts("success")).isEqualTo(1);
        assertThat(this.meters.forwarded("http_5xx")).isZero();
        assertThat(new String(collector.requests().get(2).body())).isEqualTo(dump(1));
        // Every attempt carries the dump's idempotency key, so the collector can drop
        // what it already has.
        assertThat(collector.requests()).extracting((request) -> request.headers().get("Idempotency-Key"))
            .doesNotContainNull()
            .containsOnly(collector.requests().get(0).headers().get("Idempotency-Key"));
    }

    @Test
    void neverRetriesAClientError() {
        collector.answer(400);

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("http_4xx") == 1);
        assertThat(collector.requestCount()).isEqualTo(1);
        assertThat(attempts("http_4xx")).isEqualTo(1);
    }

    @Test
    void aSpentBudgetDelaysTheRetryInsteadOfEndingTheDump() {
        collector.failNext(4, 503, null);
        double exhausted = this.meters.count("dumps.retries.budget.exhausted");

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == 1);
        assertThat(collector.requestCount()).isEqualTo(5);
        assertThat(attempts("http_5xx")).isEqualTo(4);
        assertThat(this.meters.count("dumps.retries.budget.exhausted")).isGreaterThan(exhausted);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void aFailureThatLastsIsTriedUntilMaxAgeThenEndsExpired() {
        collector.answer(502);

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("expired") == 1);
        assertThat(this.meters.forwarded("http_5xx")).isZero();
        assertThat(collector.requestCount()).isGreaterThan(3);
        assertThat(attempts("http_5xx")).isEqualTo(collector.requestCount());
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void aRetryWaitsOutTheCollectorsRetryAfter() {
        collector.failNext(1, 429, "1");
        long started = System.nanoTime();

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(collector.requestCount()).isEqualTo(2);
    }

    private long attempts(String outcome) {
        return (long) this.meters.count("dumps.forward.attempts", "outcome", outcome);
    }

}
