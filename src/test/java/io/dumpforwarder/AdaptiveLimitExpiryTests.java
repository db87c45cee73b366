package io.dumpforwarder;

import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * In adaptive mode a forward that waits for a permit past its dump's max age is counted
 * expired and never sent. The limit starts (and may stay) at one; the collector holds the
 * one request in flight.
 */
@TestPropertySource(properties = { "forwarder.concurrency.mode=adaptive", "forwarder.concurrency.initial-limit=1",
        "forwarder.max-concurrency=4", "forwarder.max-age=1s", "forwarder.client.response-timeout=5s",
        "forwarder.client.attempt-timeout=6s",
        "resilience4j.circuitbreaker.instances.dump.slow-call-duration-threshold=6s" })
class AdaptiveLimitExpiryTests extends AbstractServiceTests {

    @Test
    void forwardsWaitingForAPermitPastMaxAgeAreCountedExpiredAndNeverSent() {
        long expired = this.meters.forwarded("expired");
        long delivered = this.meters.forwarded("success");
        collector.hold();
        try {
            IntStream.range(0, 4).forEach((i) -> accept(dump(i)));
            await().atMost(WAIT).until(() -> this.meters.gauge("dumps.forward.limit.waiting") == 3);

            await().atMost(WAIT).until(() -> this.meters.forwarded("expired") == expired + 3);
            assertThat(collector.requestCount()).isEqualTo(1);
        }
        finally {
            collector.release();
        }
        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 1);
        assertThat(collector.requestCount()).isEqualTo(1);
        assertThat(this.meters.gauge("dumps.forward.limit.waiting")).isZero();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
