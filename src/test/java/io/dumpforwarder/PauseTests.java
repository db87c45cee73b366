package io.dumpforwarder;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A collector's Retry-After on a 429 or 503 pauses all sending, not just the request it
 * answered, capped by forwarder.retry-after.max; ingest keeps answering meanwhile. The
 * breaker is kept closed here.
 */
@PlainForwarding
class PauseTests extends AbstractServiceTests {

    @Test
    void aRetryAfterPausesEverySendForThatLong() {
        double pauses = counter("dumps.pauses");
        double paused = counter("dumps.paused");
        long delivered = this.meters.forwarded("success");
        collector.answerRetryAfter(503, "2");
        accept(dump(1));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") > 0 && collector.requestCount() == 1);
        collector.answer(204);

        IntStream.range(2, 8).forEach((i) -> accept(dump(i)));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 6);
        // The pause began when the 503 came back, after the first request arrived: none
        // of the six reached the collector within 2 s of that arrival, however slow the
        // machine.
        List<Long> arrivals = collector.arrivals();
        assertThat(arrivals).hasSize(7);
        long first = arrivals.get(0);
        assertThat(arrivals.subList(1, 7)).allSatisfy((arrival) -> assertThat(Duration.ofNanos(arrival - first))
            .isGreaterThanOrEqualTo(Duration.ofMillis(1990)));
        assertThat(counter("dumps.pauses")).isEqualTo(pauses + 1);
        assertThat(counter("dumps.paused") - paused).isBetween(1.9, 2.1);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void aLongRetryAfterIsCappedByTheConfiguredMaximum() {
        double paused = counter("dumps.paused");
        long delivered = this.meters.forwarded("success");
        long refused = this.meters.forwarded("http_4xx");
        collector.answerRetryAfter(429, "3600");
        accept(dump(1));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_4xx") == refused + 1);
        collector.answer(204);

        accept(dump(2));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 1);
        assertThat(counter("dumps.paused") - paused).isBetween(1.9, 2.1);
    }

    private double counter(String name) {
        return this.meters.count(name);
    }

}
