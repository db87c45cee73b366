package io.dumpforwarder;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.dumpforwarder.support.FaultyCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A collector with a small accept queue that accepts slowly, as a busy one does: a burst
 * of forwards on an empty pool opens connections at {@code forwarder.client.connect-rate}
 * (here 10 a second, one at once) and reuses them, so no connect is dropped by the
 * collector's kernel, and every dump is delivered.
 */
@TestPropertySource(properties = { "forwarder.max-concurrency=50", "forwarder.client.connect-timeout=300ms",
        "forwarder.client.connect-rate=10", AbstractServiceTests.BREAKER_NEVER_OPENS })
class SlowAcceptTests extends AbstractAppTests {

    /** Two connections waiting at most, one accepted every 50 ms. */
    private static final FaultyCollector collector = new FaultyCollector(2, 50);

    @DynamicPropertySource
    static void forwardToTheSlowCollector(DynamicPropertyRegistry registry) {
        registry.add("forwarder.dump-url", collector::url);
    }

    @AfterAll
    static void close() {
        collector.close();
    }

    @Test
    void aBurstOnAnEmptyPoolOpensConnectionsAtTheConnectRateAndDeliversEveryDump() {
        postNdjson(IntStream.range(0, 200).mapToObj(AbstractAppTests::dump).collect(Collectors.joining("\n")))
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == 200);
        assertThat(this.meters.count("dumps.forward.attempts", "outcome", "connect_error")).isZero();
        // Two hundred forwards, fifty at once, on a few connections opened at the pace.
        assertThat(collector.accepted()).isLessThan(50);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
