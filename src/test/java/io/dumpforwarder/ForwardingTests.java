package io.dumpforwarder;

import java.time.Duration;
import java.util.stream.IntStream;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.RunningApp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Forwarding against a real collector: the concurrency bound, connection reuse, and each
 * failure counted with its outcome. The breaker is kept closed here (see
 * {@link CircuitBreakerTests}).
 */
@PlainForwarding
class ForwardingTests extends AbstractServiceTests {

    @Test
    void neverForwardsMoreThanMaxConcurrencyAndReusesConnections() {
        collector.answer(200, Duration.ofMillis(20));
        long success = this.meters.forwarded("success");

        IntStream.range(0, 80).forEach((i) -> accept(dump(i)));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == success + 80);
        assertThat(collector.requestCount()).isEqualTo(80);
        assertThat(collector.maxConcurrentRequests()).isBetween(1, 4);
        assertThat(collector.connectionsOpened()).isBetween(1, 4);
    }

    /**
     * An application of its own, whose attempts outlast the test: four forwards held on
     * the wire, each with its one timer (the attempt timeout), the other six in the
     * queue.
     */
    @Test
    void eachForwardInFlightHasOneTimerArmed() {
        collector.hold();
        try (RunningApp app = RunningApp.start("--forwarder.max-concurrency=4", "--forwarder.retry.enabled=false",
                "--forwarder.client.response-timeout=30s", "--forwarder.client.attempt-timeout=30s",
                "--forwarder.dump-url=" + collector.url())) {
            Meters meters = app.meters();
            IntStream.range(0, 10).forEach((i) -> app.postJson("{\"uid\":" + i + "}").expectStatus().isAccepted());

            await().atMost(WAIT).until(() -> collector.activeRequests() == 4);
            await().atMost(WAIT).until(() -> meters.gauge("dumps.forward.timers") == 4);
            collector.release();
            await().atMost(WAIT).until(() -> meters.forwarded("success") == 10);
            await().atMost(WAIT).until(() -> meters.gauge("dumps.forward.timers") == 0);
        }
        finally {
            collector.release();
        }
    }

    @Test
    void countsASlowAnswerAsATimeout() {
        collector.answer(200, Duration.ofSeconds(3));
        long timeouts = this.meters.forwarded("timeout");

        accept(dump(1));

        await().atMost(WAIT).until(() -> this.meters.forwarded("timeout") == timeouts + 1);
        // Cut off by the 100 ms response timeout, far from the 3 s answer.
        assertThat(this.registry.get("dumps.forward")
            .tag("outcome", "timeout")
            .timer()
            .max(java.util.concurrent.TimeUnit.MILLISECONDS)).isLessThan(1500);
    }

    @Test
    void countsServerErrorsAndClientErrorsApart() {
        long serverErrors = this.meters.forwarded("http_5xx");
        long clientErrors = this.meters.forwarded("http_4xx");

        collector.answer(503);
        accept(dump(1));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") == serverErrors + 1);
        collector.answer(400);
        accept(dump(2));
        await().atMost(WAIT).until(() -> this.meters.forwarded("http_4xx") == clientErrors + 1);
    }

    @Test
    void ingestAnswersPromptlyWhileTheCollectorHangs() {
        collector.hold();
        long started = System.nanoTime();

        IntStream.range(0, 200).forEach((i) -> accept(dump(i)));

        // A functional bound with a wide margin: 200 answers, none of which may wait for
        // the collector.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(this.meters.inflight()).isEqualTo(4);
        collector.release();
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

}
