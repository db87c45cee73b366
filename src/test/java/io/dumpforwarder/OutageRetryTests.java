package io.dumpforwarder;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A collector that fails everything sees at most 10% more requests than there are dumps
 * (plus one a second), however long its dumps are tried: retries wait for the budget's
 * room until max age.
 */
@TestPropertySource(properties = { "forwarder.retry.enabled=true", "forwarder.retry.initial-backoff=5ms",
        "forwarder.retry.max-backoff=10ms", "forwarder.retry.budget-ratio=0.1", "forwarder.max-age=3s",
        AbstractServiceTests.BREAKER_NEVER_OPENS })
class OutageRetryTests extends AbstractServiceTests {

    @Test
    void anOutageCannotMultiplyTheLoad() {
        collector.answer(503);
        double exhausted = this.meters.count("dumps.retries.budget.exhausted");

        postNdjson(IntStream.range(0, 100).mapToObj(OutageRetryTests::dump).collect(Collectors.joining("\n")))
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("expired") == 100);
        assertThat(this.meters.forwarded("http_5xx")).isZero();
        // 100 first attempts; retries at most 10% of them plus one a second of the
        // budget's window (10 s, longer than the dumps' max age).
        assertThat(collector.requestCount()).isBetween(101, 120);
        assertThat(this.meters.count("dumps.retries.budget.exhausted")).isGreaterThan(exhausted);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
