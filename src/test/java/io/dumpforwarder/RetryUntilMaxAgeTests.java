package io.dumpforwarder;

import org.junit.jupiter.api.Test;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Answers that reject the forwarder itself (401, 403, 404...) against a real collector:
 * tried again however many attempts it takes, paced by the retry budget, until the dump's
 * max age, so a collector that rejects the forwarder for a while (a credential rotation)
 * loses no dump; only a dump that outlives its max age ends {@code expired}; a refusal of
 * the dump itself stays final. Each test has a fresh budget (a new context); the breaker
 * is kept closed, so what is shown is the retries' own doing.
 */
@TestPropertySource(properties = { "forwarder.max-age=6s", "forwarder.retry.initial-backoff=20ms",
        "forwarder.retry.max-backoff=100ms", "forwarder.retry.budget-ratio=1.0", "forwarder.retry.budget-window=1s",
        AbstractServiceTests.BREAKER_NEVER_OPENS })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class RetryUntilMaxAgeTests extends AbstractServiceTests {

    @Test
    void aRejectionIsTriedAgainPastMaxAttempts() {
        collector.failNext(6, 401, null);

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == 1);
        assertThat(collector.requestCount()).isEqualTo(7);
        assertThat(attempts("rejected")).isEqualTo(6);
        assertThat(this.meters.forwardedTotal()).isEqualTo(1);
    }

    @Test
    void aRefusalOfTheDumpItselfStaysFinal() {
        collector.answer(422);

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("http_4xx") == 1);
        assertThat(collector.requestCount()).isEqualTo(1);
    }

    private long attempts(String outcome) {
        return (long) this.meters.count("dumps.forward.attempts", "outcome", outcome);
    }

    @Test
    void aDumpRejectedPastItsMaxAgeEndsExpired() {
        collector.answer(403);

        accept(dump(1));

        // forwarder.max-age is 6 s here; the dump is tried until then.
        await().atMost(WAIT).until(() -> this.meters.forwarded("expired") == 1);
        assertThat(this.meters.forwarded("rejected")).isZero();
        assertThat(attempts("rejected")).isGreaterThan(3);
    }

}
