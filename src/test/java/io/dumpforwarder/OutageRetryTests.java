package io.dumpforwarder;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A collector that fails everything sees at most 10% more requests than there are dumps,
 * not three times as many.
 */
@TestPropertySource(properties = { "forwarder.retry.enabled=true", "forwarder.retry.max-attempts=3",
        "forwarder.retry.initial-backoff=5ms", "forwarder.retry.max-backoff=10ms", "forwarder.retry.budget-ratio=0.1",
        "forwarder.max-concurrency=4", AbstractServiceTests.BREAKER_NEVER_OPENS })
class OutageRetryTests extends AbstractServiceTests {

    @Test
    void anOutageCannotMultiplyTheLoad() {
        collector.answer(503);
        double exhausted = this.meters.count("dumps.retries.budget.exhausted");

        postNdjson(IntStream.range(0, 100).mapToObj(OutageRetryTests::dump).collect(Collectors.joining("\n")))
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") == 100);
        // 100 first attempts; retries at most 10% of them plus one.
        assertThat(collector.requestCount()).isBetween(101, 111);
        assertThat(this.meters.count("dumps.retries.budget.exhausted")).isGreaterThan(exhausted);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
