package io.dumpforwarder;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Graceful shutdown: stop admitting, drain for the drain timeout, count what is left as
 * shutdown.
 */
class ShutdownTests {

    static final TestCollector collector = new TestCollector();

    @AfterAll
    static void close() {
        collector.close();
    }

    @Test
    void drainsTheQueueWhenTheCollectorAnswersWithinTheDrainTimeout() {
        collector.reset();
        collector.answer(204, Duration.ofMillis(50));
        RunningApp app = start("5s");
        Meters meters = app.meters();
        IntStream.range(0, 20).forEach((i) -> post(app, i).expectStatus().isAccepted());

        app.close();

        assertThat(meters.forwarded("success")).isEqualTo(20);
        assertThat(meters.forwarded("shutdown")).isZero();
        assertThat(collector.requestCount()).isEqualTo(20);
    }

    @Test
    void refusesNewDumpsWhileDrainingAndCountsWhatIsLeftAsShutdown() {
        collector.reset();
        collector.hold();
        RunningApp app = start("1s");
        Meters meters = app.meters();
        IntStream.range(0, 6).forEach((i) -> post(app, i).expectStatus().isAccepted());
        await().atMost(Duration.ofSeconds(5)).until(() -> collector.activeRequests() == 2);

        long started = System.nanoTime();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(app::close);
        ApplicationAvailability availability = app.bean(ApplicationAvailability.class);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);
        await().atMost(Duration.ofSeconds(5)).until(() -> status(post(app, 99)) == 503);
        post(app, 100).expectStatus()
            .isEqualTo(503)
            .expectHeader()
            .valueEquals("Connection", "close")
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("unavailable");
        assertThat(closing).isNotDone();
        closing.join();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1))
            .isLessThan(Duration.ofSeconds(8));
        assertThat(meters.received("unavailable")).isEqualTo(2);
        assertThat(meters.received("accepted")).isGreaterThanOrEqualTo(6);
        assertThat(meters.forwarded("shutdown")).isEqualTo(meters.received("accepted"));
        assertThat(meters.accountingHolds()).isTrue();
        assertThat(meters.idle()).isTrue();
    }

    /**
     * At the drain timeout the forwards on the wire are not cut at once: a collector that
     * answers within the last grace has its answer counted, never {@code shutdown}.
     */
    @Test
    void aForwardAnsweredJustAfterTheDrainTimeoutIsCountedByItsAnswer() {
        collector.reset();
        collector.answer(204, Duration.ofMillis(1500));
        RunningApp app = start("500ms");
        Meters meters = app.meters();
        IntStream.range(0, 2).forEach((i) -> post(app, i).expectStatus().isAccepted());
        await().atMost(Duration.ofSeconds(5)).until(() -> collector.activeRequests() == 2);
        app.close();
        assertThat(meters.forwarded("success")).isEqualTo(2);
        assertThat(meters.forwarded("shutdown")).isZero();
        assertThat(meters.accountingHolds()).isTrue();
    }

    /**
     * A batch the collector refused is split in halves, sent one after the other; the
     * second half, which would start as the first is cut at the drain's end, is settled
     * as shutdown without going out.
     */
    @Test
    void aForwardThatWouldStartAfterTheCutSettlesAsShutdownWithoutGoingOut() {
        collector.reset();
        // The whole batch is refused at once; each half would be answered after 30 s.
        collector.answer(204, Duration.ofSeconds(30)).failNext(1, 413, null);
        RunningApp app = RunningApp.start("--forwarder.max-concurrency=1", "--forwarder.shutdown.drain-timeout=500ms",
                "--forwarder.client.response-timeout=60s", "--forwarder.client.attempt-timeout=60s",
                "--forwarder.batch.enabled=true", "--forwarder.batch.max-dumps=2", "--forwarder.batch.max-wait=5s",
                "--forwarder.dump-url=" + collector.url());
        Meters meters = app.meters();
        IntStream.range(0, 2).forEach((i) -> post(app, i).expectStatus().isAccepted());
        await().atMost(Duration.ofSeconds(10)).until(() -> collector.requestCount() == 2);

        app.close();

        assertThat(collector.requestCount()).isEqualTo(2);
        assertThat(meters.forwarded("shutdown")).isEqualTo(2);
        assertThat(meters.accountingHolds()).isTrue();
    }

    private static int status(WebTestClient.ResponseSpec response) {
        return response.returnResult(String.class).getStatus().value();
    }

    private static RunningApp start(String drainTimeout) {
        return RunningApp.start("--forwarder.max-concurrency=2", "--forwarder.shutdown.drain-timeout=" + drainTimeout,
                "--forwarder.client.response-timeout=30s", "--forwarder.client.attempt-timeout=30s",
                "--forwarder.dump-url=" + collector.url());
    }

    private static WebTestClient.ResponseSpec post(RunningApp app, int uid) {
        return app.postJson("{\"uid\":" + uid + "}");
    }

}
