package io.dumpforwarder.concurrency;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.dumpforwarder.concurrency.ConcurrencyLimit.Permit;
import io.dumpforwarder.config.ForwarderProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.RepeatedTest;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The adaptive limit's permits: granted in order, never more than the ceiling, and always
 * given back.
 */
class ConcurrencyLimitTests {

    private static final int CEILING = 4;

    private static final Object LEFT = new Object();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static final Binder SETTINGS = new Binder(new MapConfigurationPropertySource(
            Map.of("forwarder.dump-url", "http://127.0.0.1:9/dumps", "forwarder.max-concurrency", CEILING,
                    "forwarder.concurrency.mode", "adaptive", "forwarder.concurrency.initial-limit", 2)));

    private final ConcurrencyLimit limit = new ConcurrencyLimit(
            SETTINGS.bind("forwarder.concurrency", ConcurrencyProperties.class).get(),
            SETTINGS.bind("forwarder", ForwarderProperties.class).get(), this.registry);

    /**
     * Repeated: a permit lost to a race between a grant, an expiry and a cancellation
     * shows in few runs.
     */
    @RepeatedTest(10)
    void everyPermitGoesBackWhateverBecomesOfTheAttemptsHoldingOrAwaitingIt() {
        AtomicInteger most = new AtomicInteger();
        AtomicInteger expired = new AtomicInteger();
        Flux<Void> attempts = Flux.range(0, 3000).flatMap((i) -> {
            // Some attempts expire while they wait; some are cancelled from outside,
            // waiting or holding a permit; some fail as an overloaded collector would,
            // some as one that was never reached.
            long expiresAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((i % 7 == 0) ? 1 : 60_000);
            Mono<Feedback> attempt = permitted(call(i, most), expiresAt);
            if (i % 5 == 0) {
                attempt = attempt.timeout(Duration.ofMillis(ThreadLocalRandom.current().nextInt(4)));
            }
            return attempt.doOnError(Expired.class, (error) -> expired.incrementAndGet())
                .onErrorResume((error) -> Mono.empty())
                .then();
        }, 64);

        StepVerifier.create(attempts).expectComplete().verify(Duration.ofSeconds(15));

        // A permit cut by a timeout comes back on the timer's thread; a lost one never.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(gauge("dumps.forward.limit.inflight")).isZero();
            assertThat(gauge("dumps.forward.limit.waiting")).isZero();
        });
        assertThat(most.get()).isBetween(1, CEILING);
        assertThat(expired.get()).isPositive();
        assertThat(calls("success")).isPositive();
        assertThat(calls("dropped")).isPositive();
        assertThat(calls("ignored")).isPositive();
        assertThat(calls("rejected")).isPositive();
        assertThat(gauge("dumps.forward.limit")).isBetween(1.0, (double) CEILING);
    }

    /**
     * The call, once the limit grants a permit, as a forward takes one: at once, or in
     * turn until the expiry, when the waiter leaves the queue (and gives back a permit
     * handed to it in that instant). What the call came to goes back with the permit; a
     * call cancelled while it holds one gives it back as ignored.
     */
    private Mono<Feedback> permitted(Mono<Feedback> call, long expiresAt) {
        Mono<Permit> permit = Mono.create((sink) -> {
            // Empty while waiting; then the permit, or LEFT once the waiter gave up.
            AtomicReference<Object> slot = new AtomicReference<>();
            Disposable.Swap expiry = Disposables.swap();
            Consumer<Permit> waiter = (granted) -> {
                if (slot.compareAndSet(null, granted)) {
                    sink.success(granted);
                }
                else {
                    granted.release(Feedback.IGNORE);
                }
            };
            sink.onCancel(() -> {
                expiry.dispose();
                Object held = slot.getAndSet(LEFT);
                if (held == null) {
                    this.limit.leave(waiter);
                }
                else if (held instanceof Permit granted) {
                    // Handed over as the call was cancelled: the sink dropped it.
                    granted.release(Feedback.IGNORE);
                }
            });
            Permit now = this.limit.acquire(waiter);
            if (now != null) {
                waiter.accept(now);
                return;
            }
            expiry.update(Schedulers.parallel().schedule(() -> {
                if (slot.compareAndSet(null, LEFT)) {
                    this.limit.leave(waiter);
                    sink.error(new Expired());
                }
            }, Math.max(0, expiresAt - System.nanoTime()), TimeUnit.NANOSECONDS));
        });
        return permit.flatMap(
                (granted) -> call.doOnNext(granted::release).doFinally((signal) -> granted.release(Feedback.IGNORE)));
    }

    /**
     * An attempt that notes how many permits are out while it holds one, and tells the
     * limit what a collector's answer, an overload or a failed connection would.
     */
    private Mono<Feedback> call(int i, AtomicInteger most) {
        return Mono.defer(() -> {
            most.accumulateAndGet((int) gauge("dumps.forward.limit.inflight"), Math::max);
            Mono<Void> answer = Mono.delay(Duration.ofMillis(ThreadLocalRandom.current().nextInt(3))).then();
            return switch (i % 11) {
                case 3 -> answer.thenReturn(Feedback.DROP);
                case 4 -> Mono.just(Feedback.IGNORE);
                default -> answer.thenReturn(Feedback.SAMPLE);
            };
        });
    }

    private double gauge(String name) {
        return this.registry.get(name).gauge().value();
    }

    private double calls(String status) {
        return this.registry.get("dumps.forward.limit.calls").tag("status", status).counter().count();
    }

    /** A wait for a permit that reached its expiry. */
    private static final class Expired extends RuntimeException {

        Expired() {
            super("expired waiting for a permit", null, false, false);
        }

    }

}
