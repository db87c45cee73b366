package io.dumpforwarder.concurrency;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limit.functions.Log10RootIntFunction;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.ForwarderProperties.Concurrency;
import io.dumpforwarder.dump.Dump;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

import org.springframework.stereotype.Component;

/**
 * How many attempts may be on the wire at once. In fixed mode this adds nothing: the
 * pipeline's flatMap already holds forwards to {@code forwarder.max-concurrency}. In
 * adaptive mode a Vegas limit from Netflix's concurrency-limits, between
 * {@code forwarder.concurrency.min-limit} and that ceiling, learns from each attempt's
 * round trip: it grows while round trips stay near the fastest seen and shrinks when they
 * grow (the collector queues) or an attempt is dropped. An attempt over the limit waits
 * for a permit, first come first served, without holding a thread; the waiters are at
 * most the ceiling, as the flatMap bounds them.
 */
@Component
public class ConcurrencyLimit {

    private final SimpleLimiter<Void> limiter;

    /** Attempts waiting for a permit, oldest first; guarded by {@code this}. */
    private final Deque<Waiter> waiting = new ArrayDeque<>();

    ConcurrencyLimit(ForwarderProperties properties, MeterRegistry registry) {
        Concurrency settings = properties.concurrency();
        if (settings.mode() != Concurrency.Mode.ADAPTIVE) {
            this.limiter = null;
            return;
        }
        int ceiling = properties.maxConcurrency();
        int floor = settings.minLimit();
        LimitMeters meters = new LimitMeters(registry);
        VegasLimit vegas = VegasLimit.newBuilder()
            .initialLimit(Math.max(floor, Math.min(ceiling, settings.initialLimit())))
            .maxConcurrency(ceiling)
            // Vegas has no floor of its own; both of its decreases (a drop, a queue) go
            // through this function.
            .decreaseFunction(
                    (limit) -> Math.max(floor, limit - Log10RootIntFunction.create(0).applyAsInt((int) limit)))
            .metricRegistry(meters)
            .build();
        this.limiter = SimpleLimiter.newBuilder().named(Dump.CARRIER).limit(vegas).metricRegistry(meters).build();
        Gauge.builder("dumps.forward.limit.inflight", this.limiter, SimpleLimiter::getInflight)
            .description("Attempts holding a permit of the adaptive limit")
            .register(registry);
        Gauge.builder("dumps.forward.limit.waiting", this, ConcurrencyLimit::waiting)
            .description("Attempts waiting for a permit of the adaptive limit")
            .register(registry);
    }

    /**
     * The attempt, once a permit is granted if the limit is adaptive. What it came to
     * feeds the limit; an attempt cancelled while it holds the permit tells it nothing.
     * @param attempt the attempt, which never fails
     * @param expiresAt {@link System#nanoTime()} past which the attempt's oldest dump
     * expires: the wait for a permit ends there with {@link ExpiredWaitingException}
     * @param feedback what the attempt's result tells the limit
     */
    public <T> Mono<T> around(Mono<T> attempt, long expiresAt, Function<? super T, Feedback> feedback) {
        if (this.limiter == null) {
            return attempt;
        }
        return permit(expiresAt).flatMap((permit) -> attempt.doOnNext((done) -> permit.release(feedback.apply(done)))
            .doFinally((signal) -> permit.release(Feedback.IGNORE)));
    }

    /**
     * A permit now, or in turn. Every way out of the queue (granted, expired, given up)
     * takes the waiter out under the lock, so exactly one of them acts on it. A permit is
     * noted on its waiter before it is handed over: an attempt that gives up in that
     * instant (its sink then drops the permit unseen) gives the permit back itself.
     */
    private Mono<Permit> permit(long expiresAt) {
        return Mono.create((sink) -> {
            Waiter waiter = new Waiter(sink);
            sink.onCancel(() -> giveUp(waiter));
            Permit granted;
            synchronized (this) {
                if (waiter.gaveUp) {
                    return;
                }
                // Behind attempts already waiting, even if a permit is free this instant:
                // they get it first.
                granted = this.waiting.isEmpty() ? waiter.grant(this.limiter.acquire(null).orElse(null)) : null;
                if (granted == null) {
                    this.waiting.add(waiter);
                }
            }
            if (granted != null) {
                sink.success(granted);
                return;
            }
            long left = Math.max(0, expiresAt - System.nanoTime());
            sink.onDispose(Schedulers.parallel().schedule(() -> expire(waiter), left, TimeUnit.NANOSECONDS));
        });
    }

    private void giveUp(Waiter waiter) {
        Permit granted;
        synchronized (this) {
            waiter.gaveUp = true;
            this.waiting.remove(waiter);
            granted = waiter.granted;
        }
        if (granted != null) {
            granted.release(Feedback.IGNORE);
        }
    }

    private void expire(Waiter waiter) {
        boolean waited;
        synchronized (this) {
            waited = this.waiting.remove(waiter);
        }
        if (waited) {
            waiter.sink.error(new ExpiredWaitingException());
        }
    }

    private synchronized int waiting() {
        return this.waiting.size();
    }

    /** Hands freed permits to waiting attempts, oldest first, while the limit allows. */
    private void grantWaiting() {
        while (true) {
            Waiter next;
            Permit granted;
            synchronized (this) {
                // Asking while the limit is full would only count another rejection.
                if (this.waiting.isEmpty() || this.limiter.getInflight() >= this.limiter.getLimit()) {
                    return;
                }
                Limiter.Listener listener = this.limiter.acquire(null).orElse(null);
                if (listener == null) {
                    return;
                }
                next = this.waiting.poll();
                granted = next.grant(listener);
            }
            next.sink.success(granted);
        }
    }

    /**
     * An attempt waiting for a permit; {@code gaveUp} and {@code granted} are guarded by
     * the limit's lock.
     */
    private final class Waiter {

        final MonoSink<Permit> sink;

        boolean gaveUp;

        Permit granted;

        Waiter(MonoSink<Permit> sink) {
            this.sink = sink;
        }

        Permit grant(Limiter.Listener listener) {
            this.granted = (listener != null) ? new Permit(listener) : null;
            return this.granted;
        }

    }

    /** One permit, released once whatever happens to the attempt holding it. */
    private final class Permit {

        private final Limiter.Listener listener;

        private final AtomicBoolean released = new AtomicBoolean();

        Permit(Limiter.Listener listener) {
            this.listener = listener;
        }

        void release(Feedback feedback) {
            if (!this.released.compareAndSet(false, true)) {
                return;
            }
            switch (feedback) {
                case SAMPLE -> this.listener.onSuccess();
                case DROP -> this.listener.onDropped();
                case IGNORE -> this.listener.onIgnore();
            }
            grantWaiting();
        }

    }

}
