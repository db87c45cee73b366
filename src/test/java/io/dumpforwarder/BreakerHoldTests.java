package io.dumpforwarder;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With forwarder.circuit-open=hold, a forward the open breaker refuses waits for the
 * breaker instead of being dropped: nothing reaches the collector while it is open, the
 * queue fills and ingest sheds with 503, and the held dumps go when it closes, or expire
 * by max-age if it does not; after they all expired, the next dump goes as soon as the
 * collector is back.
 */
@TestPropertySource(properties = { "forwarder.circuit-open=hold", "forwarder.max-age=4s", "forwarder.max-concurrency=4",
        "forwarder.queue.capacity=20", "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=4",
        "resilience4j.circuitbreaker.instances.dump.wait-duration-in-open-state=1500ms",
        "resilience4j.circuitbreaker.instances.dump.permitted-number-of-calls-in-half-open-state=2" })
@ExtendWith(OutputCaptureExtension.class)
class BreakerHoldTests extends AbstractServiceTests {

    @BeforeEach
    void closeTheBreaker() {
        closeBreaker();
    }

    @Test
    void dumpsRefusedByTheOpenBreakerWaitAndGoWhenItCloses(CapturedOutput output) {
        long delivered = this.meters.forwarded("success");
        long dropped = this.meters.forwarded("circuit_open");
        int before = output.getOut().length();
        open();
        long openedAt = System.nanoTime();
        collector.answer(204);

        IntStream.range(0, 20).forEach((i) -> accept(dump(i)));

        // Nothing reaches the collector until the breaker lets probes through, 1.5 s
        // after it opened.
        await().atMost(WAIT).until(() -> collector.requestCount() > 4);
        assertThat(Duration.ofNanos(System.nanoTime() - openedAt)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 20);
        assertThat(this.meters.forwarded("circuit_open")).isEqualTo(dropped);
        assertThat(breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(this.meters.accountingHolds()).isTrue();
        // One line when it opened, one when it closed, whatever happened between.
        await().atMost(WAIT).until(() -> output.getOut().substring(before).contains("breaker closed after"));
        // The log is written asynchronously: the close of the breaker before this test
        // may land after "before"; this test's lines start with its opening.
        List<String> lines = output.getOut()
            .substring(before)
            .lines()
            .filter((line) -> line.contains("breaker"))
            .dropWhile((line) -> !line.contains("breaker opened"))
            .toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"log\":{\"level\":\"WARN\"", "The collector's breaker opened", "http_5xx");
        assertThat(lines.get(1)).contains("\"log\":{\"level\":\"INFO\"", "The collector's breaker closed after");
    }

    @Test
    void whileHeldTheQueueFillsAndIngestShedsThenHeldDumpsExpireIfTheCollectorStaysDown() {
        long expired = this.meters.forwarded("expired");
        long dropped = this.meters.forwarded("circuit_open");
        long shed = this.meters.received("queue_full");
        open();
        long failed = this.meters.forwarded("http_5xx");
        AtomicInteger accepted = new AtomicInteger();

        IntStream.range(0, 40).forEach((i) -> postJson(dump(i)).expectStatus().value((status) -> {
            assertThat(status).isIn(202, 503);
            accepted.addAndGet((status == 202) ? 1 : 0);
        }));
        // At most max-concurrency held in flight and the queue's 20 wait; the rest are
        // refused at the door.
        assertThat(accepted.get()).isBetween(20, 25);
        assertThat(this.meters.received("queue_full") - shed).isEqualTo(40 - accepted.get());
        // Half-open probes fail again (a few dumps, http_5xx); every other held dump
        // expires at max-age.
        await().atMost(WAIT).until(this.meters::idle);
        long probed = this.meters.forwarded("http_5xx") - failed;
        assertThat(this.meters.forwarded("expired") - expired).isEqualTo(accepted.get() - probed).isPositive();
        assertThat(this.meters.forwarded("circuit_open")).isEqualTo(dropped);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void afterAnOutageLongerThanTheMaxAgeADumpAcceptedOnceTheCollectorIsBackIsDelivered() {
        long expired = this.meters.forwarded("expired");
        open();
        IntStream.range(0, 10).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.idle() && this.meters.forwarded("expired") > expired);

        collector.answer(204);
        long delivered = this.meters.forwarded("success");
        accept(dump(100));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 1);
        assertThat(collector.requests())
            .anySatisfy((request) -> assertThat(request.headers().get("X-Uid")).isEqualTo("100"));
    }

    /**
     * Four failed forwards: the breaker opens (and, on a slow machine, may already have
     * moved to half-open on its own timer).
     */
    private void open() {
        collector.answer(500);
        long failed = this.meters.forwarded("http_5xx");
        IntStream.range(0, 4).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") == failed + 4);
        assertThat(breaker().getState()).isIn(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);
    }

}
