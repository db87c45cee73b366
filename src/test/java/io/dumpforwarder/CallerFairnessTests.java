package io.dumpforwarder;

import java.time.Duration;

import io.dumpforwarder.support.Load;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No caller starves another (issue 28's situation, scaled down): a collector that takes
 * 50 ms a dump with ten forwards at a time (200 dumps a second), a caller posting a
 * steady 40 dumps a second, then another flooding flat out over 16 connections. The flood
 * is refused {@code 429 over_share} past its half of the queue; the steady caller is
 * accepted throughout, and its dumps, taken in turn, never wait behind the flood's. Every
 * caller's dumps add up: accepted = forwarded + held, caller by caller.
 */
@TestPropertySource(properties = { "forwarder.max-concurrency=10", "forwarder.queue.capacity=400",
        "forwarder.ingest.callers.names=flood,steady", "forwarder.client.response-timeout=5s",
        "forwarder.client.attempt-timeout=5s", "forwarder.max-age=60s", AbstractServiceTests.BREAKER_NEVER_OPENS })
class CallerFairnessTests extends AbstractServiceTests {

    @Test
    void aFloodingCallerIsHeldToItsShareAndTheSteadyOneIsServedInTurn() {
        collector.answer(204, Duration.ofMillis(50));
        Load flood = new Load(this.port, "flood");
        Load steady = new Load(this.port, "steady");
        Sinks.Empty<Void> stop = Sinks.empty();
        Mono<Void> steadily = steady.offer(200, Duration.ofMillis(25)).cache();
        steadily.subscribe();
        await().atMost(WAIT).until(() -> steady.answered(202) >= 10);
        Mono<Void> flooding = flood.flood(16, stop.asMono()).cache();
        flooding.subscribe();

        steadily.block(Duration.ofSeconds(60));
        stop.tryEmitEmpty();
        flooding.block(Duration.ofSeconds(30));

        assertThat(steady.answered(202)).as("the steady caller's accepted requests").isGreaterThanOrEqualTo(198);
        assertThat(this.meters.count("dumps.received", "caller", "flood", "outcome", "over_share")).isPositive();
        assertThat(this.meters.count("dumps.received", "caller", "steady", "outcome", "over_share")).isZero();
        double steadyWorst = this.meters.timer("dumps.caller.queue.wait", "caller", "steady")
            .max(java.util.concurrent.TimeUnit.MILLISECONDS);
        double floodWorst = this.meters.timer("dumps.caller.queue.wait", "caller", "flood")
            .max(java.util.concurrent.TimeUnit.MILLISECONDS);
        assertThat(steadyWorst).as("the steady caller's longest wait, against the flood's %s ms", floodWorst)
            .isLessThan(floodWorst / 2);
        collector.answer(204);
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
        assertThat(this.meters.accountingHolds("flood")).isTrue();
        assertThat(this.meters.accountingHolds("steady")).isTrue();
    }

}
