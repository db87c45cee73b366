package io.dumpforwarder;

import java.time.Duration;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The queue's two bounds and the max age, with one forward held in flight at the
 * collector.
 */
@TestPropertySource(properties = { "forwarder.max-concurrency=1", "forwarder.queue.capacity=3",
        "forwarder.queue.max-bytes=2KB", "forwarder.queue.retry-after=2s", "forwarder.max-age=300ms",
        "forwarder.client.response-timeout=30s", "forwarder.client.attempt-timeout=30s" })
class QueueTests extends AbstractServiceTests {

    @BeforeEach
    void holdOneInFlight() {
        collector.hold();
        accept(dump(0));
        await().atMost(WAIT).until(() -> collector.activeRequests() == 1);
    }

    @AfterEach
    void release() {
        collector.release();
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndQueuesNothing() {
        long full = this.meters.received("queue_full");
        IntStream.range(1, 4).forEach((i) -> accept(dump(i)));
        assertThat(this.meters.queued()).isEqualTo(3);

        postJson(dump(4)).expectStatus()
            .isEqualTo(503)
            .expectHeader()
            .valueEquals("Retry-After", "2")
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("queue_full");

        assertThat(this.meters.queued()).isEqualTo(3);
        assertThat(this.meters.received("queue_full")).isEqualTo(full + 1);
    }

    @Test
    void aFullQueueShedsBeforeReadingTheBodyAndCountsTheRequestOnce() {
        long full = this.meters.received("queue_full");
        long invalid = this.meters.received("invalid");
        IntStream.range(1, 4).forEach((i) -> accept(dump(i)));

        // Not even parsed: three lines, one of them malformed, refused as one queue_full,
        // on a connection that stays usable.
        postNdjson(dump(4) + "\n{oops\n" + dump(5)).expectStatus()
            .isEqualTo(503)
            .expectHeader()
            .doesNotExist("Connection")
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("queue_full");

        assertThat(this.meters.received("queue_full")).isEqualTo(full + 1);
        assertThat(this.meters.received("invalid")).isEqualTo(invalid);
        assertThat(this.meters.queued()).isEqualTo(3);
    }

    @Test
    void anNdjsonBatchThatDoesNotFitInBytesIsRefusedWhole() {
        long full = this.meters.received("queue_full");
        String line = "{\"pad\":\"" + "x".repeat(1100) + "\"}";
        // The dump in flight is still held, and counts in the bytes bound until it is
        // settled.
        long held = this.meters.queuedBytes();
        assertThat(held).isEqualTo(dump(0).length());

        postNdjson(line + "\n" + line + "\n").expectStatus().isEqualTo(503);

        assertThat(this.meters.queued()).isZero();
        assertThat(this.meters.queuedBytes()).isEqualTo(held);
        assertThat(this.meters.received("queue_full")).isEqualTo(full + 2);
    }

    @Test
    void dumpsThatWaitedPastMaxAgeAreDroppedAsExpiredNotSent() {
        long expired = this.meters.forwarded("expired");
        long accepted = System.nanoTime();
        IntStream.range(1, 4).forEach((i) -> accept(dump(i)));

        // The queued dumps grow older than forwarder.max-age (300 ms) before the held
        // forward ends.
        await().atMost(WAIT).until(() -> Duration.ofNanos(System.nanoTime() - accepted).toMillis() > 600);
        collector.release();

        await().atMost(WAIT).until(() -> this.meters.forwarded("expired") == expired + 3);
        assertThat(collector.requestCount()).isEqualTo(1);
    }

}
