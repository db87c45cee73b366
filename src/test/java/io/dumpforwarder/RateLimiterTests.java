package io.dumpforwarder;

import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With the limiter on, a dump whose wait for a permit would pass the limiter's timeout is
 * dropped at once, the way golang.org/x/time/rate's WaitN fails at once when the wait
 * would pass the context's deadline.
 */
@TestPropertySource(properties = { "forwarder.rate-limiter.enabled=true",
        "resilience4j.ratelimiter.instances.dump.limit-for-period=3",
        "resilience4j.ratelimiter.instances.dump.limit-refresh-period=30s",
        "resilience4j.ratelimiter.instances.dump.timeout-duration=10s" })
class RateLimiterTests extends AbstractServiceTests {

    @Test
    void dropsAtOnceADumpThatWouldWaitPastTheTimeout() {
        long started = System.nanoTime();

        IntStream.range(0, 10).forEach((i) -> accept(dump(i)));

        await().atMost(WAIT).until(() -> this.meters.forwarded("rate_limited") == 7);
        // The next permits come in up to 30 s, past the 10 s timeout: waiting for them
        // would take 10 s at least.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(this.meters.forwarded("success")).isEqualTo(3);
        assertThat(collector.requestCount()).isEqualTo(3);
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
