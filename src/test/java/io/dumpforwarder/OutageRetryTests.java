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
        "forwarder.max-concurrency=4", "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=1000000" })
class OutageRetryTests extends AbstractServiceTests {

    @Test
    void anOutageCannotMultiplyTheLoad() {
        downstream.answer(503);
        double exhausted = this.registry.get("dumps.retries.budget.exhausted").counter().count();

        postNdjson(IntStream.range(0, 100).mapToObj(OutageRetryTests::dump).collect(Collectors.joining("\n")))
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") == 100);
        // 100 first attempts; retries at most 10% of them plus one.
        assertThat(downstream.requestCount()).isBetween(101, 111);
        assertThat(this.registry.get("dumps.retries.budget.exhausted").counter().count()).isGreaterThan(exhausted);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
