package io.dumpforwarder;

import java.time.Duration;
import java.util.List;

import io.dumpforwarder.support.Load;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pod's token bucket in front of every request to the collector: what is offered
 * beyond the rate is refused at once as {@code rate_limited}, the way
 * golang.org/x/time/rate's WaitN fails at once when the wait would pass the deadline, and
 * the collector sees the rate.
 */
@TestPropertySource(properties = { "forwarder.rate-limiter.enabled=true", "forwarder.rate-limiter.rate=200",
        "forwarder.rate-limiter.burst=20", "forwarder.rate-limiter.max-wait=100ms", "forwarder.retry.enabled=false",
        AbstractServiceTests.BREAKER_NEVER_OPENS })
class RateLimiterTests extends AbstractServiceTests {

    /** Longest a wait for tokens may overrun max-wait on a loaded machine. */
    private static final Duration TIMER_SLACK = Duration.ofMillis(400);

    @Test
    void theCollectorSeesTheRateAndTheRestIsRefusedAtOnce() {
        Load load = new Load(this.port);
        long offeredFrom = System.nanoTime();

        load.offer(1000, Duration.ofMillis(2)).block(Duration.ofSeconds(30));

        assertThat(load.answered(202)).isEqualTo(1000);
        await().atMost(WAIT)
            .until(() -> this.meters.forwarded("success") + this.meters.forwarded("rate_limited") == 1000);
        assertRate(collector.arrivals(), offeredFrom, 200, 20);
        assertThat(collector.requestCount()).isEqualTo((int) this.meters.forwarded("success"));
        assertThat(this.registry.get("dumps.rate.limit.wait").timer().max(java.util.concurrent.TimeUnit.NANOSECONDS))
            .isLessThan(Duration.ofMillis(100).plus(TIMER_SLACK).toNanos());
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    /**
     * The collector sees the rate. Never more than the bucket lets through since the
     * offer began, its burst then the rate: an arrival made late by a loaded machine only
     * lowers the count. And in the steady middle of the run (past the burst, before the
     * offer ends) at least half the rate: a limiter that refuses what its tokens allow
     * falls far below it, while a machine too busy to offer steadily (one core, the
     * compiler at work) loses only the tokens a full bucket cannot keep.
     */
    static void assertRate(List<Long> arrivals, long offeredFrom, int perSecond, int burst) {
        assertThat(arrivals).hasSizeGreaterThan(perSecond);
        long last = arrivals.get(arrivals.size() - 1);
        double allowed = burst + perSecond * ((last - offeredFrom) / 1e9);
        assertThat((double) arrivals.size()).as("arrivals, at most the burst and then the rate")
            .isLessThanOrEqualTo(allowed * 1.05 + 1);
        long from = arrivals.get(0) + Duration.ofMillis(300).toNanos();
        long to = last - Duration.ofMillis(200).toNanos();
        assertThat(Duration.ofNanos(to - from)).as("steady part of the run").isGreaterThan(Duration.ofMillis(800));
        long inWindow = arrivals.stream().filter((at) -> at - from >= 0 && at - to < 0).count();
        double rate = inWindow / ((to - from) / 1e9);
        assertThat(rate).as("arrivals per second in the steady part").isGreaterThan(perSecond * 0.5);
    }

}
