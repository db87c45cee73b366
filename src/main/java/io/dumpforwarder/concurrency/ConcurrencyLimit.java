package io.dumpforwarder.concurrency;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limit.functions.Log10RootIntFunction;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.stereotype.Component;

/**
 * How many attempts may be on the wire at once. In fixed mode this adds nothing: the
 * pipeline's flatMap already holds forwards to {@code forwarder.max-concurrency}. In
 * adaptive mode a Vegas limit from Netflix's concurrency-limits, between
 * {@code forwarder.concurrency.min-limit} and that ceiling, learns from each attempt's
 * round trip: it grows while round trips stay near the fastest seen and shrinks when they
 * grow (the collector queues) or an attempt is dropped. An attempt over the limit waits
 * for a permit, first come first served, without holding a thread; the waiters are at
 * most the ceiling, as the flatMap bounds them. How long one waits is its own affair: it
 * leaves the queue when it will wait no longer.
 */
@Component
public class ConcurrencyLimit {

    private final SimpleLimiter<Void> limiter;

    /** Attempts waiting for a permit, oldest first; guarded by {@code this}. */
    private final Deque<Consumer<Permit>> waiting = new ArrayDeque<>();

    ConcurrencyLimit(ConcurrencyProperties settings, ForwarderProperties properties, MeterRegistry registry) {
        if (settings.minLimit() > properties.maxConcurrency()) {
            throw new InvalidConfigurationPropertyValueException("forwarder.concurrency.min-limit", settings.minLimit(),
                    "forwarder.concurrency.min-limit must be at most forwarder.max-concurrency");
        }
        if (settings.mode() != ConcurrencyProperties.Mode.ADAPTIVE) {
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

    /** Whether attempts take permits at all (adaptive mode). */
    public boolean isAdaptive() {
        return this.limiter != null;
    }

    /**
     * A permit now; or {@code null}, and the waiter is handed one in turn (on the thread
     * that freed it) unless it {@link #leave leaves} first. It waits behind attempts
     * already waiting, even if a permit is free this instant: they get it first.
     * @param waiter given the permit; one that no longer wants it releases it at once
     */
    public Permit acquire(Consumer<Permit> waiter) {
        synchronized (this) {
            Limiter.Listener granted = this.waiting.isEmpty() ? this.limiter.acquire(null).orElse(null) : null;
            if (granted != null) {
                return new Permit(granted);
            }
            this.waiting.add(waiter);
            return null;
        }
    }

    /**
     * Takes the waiter out of the queue. A permit already on its way to it still arrives,
     * so a waiter that leaves must release whatever it is handed after.
     */
    public synchronized void leave(Consumer<Permit> waiter) {
        this.waiting.remove(waiter);
    }

    private synchronized int waiting() {
        return this.waiting.size();
    }

    /** Hands freed permits to waiting attempts, oldest first, while the limit allows. */
    private void grantWaiting() {
        while (true) {
            Consumer<Permit> next;
            Limiter.Listener granted;
            synchronized (this) {
                // Asking while the limit is full would only count another rejection.
                if (this.waiting.isEmpty() || this.limiter.getInflight() >= this.limiter.getLimit()) {
                    return;
                }
                granted = this.limiter.acquire(null).orElse(null);
                if (granted == null) {
                    return;
                }
                next = this.waiting.poll();
            }
            next.accept(new Permit(granted));
        }
    }

    /** One permit, released once whatever happens to the attempt holding it. */
    public final class Permit {

        private final Limiter.Listener listener;

        private final AtomicBoolean released = new AtomicBoolean();

        Permit(Limiter.Listener listener) {
            this.listener = listener;
        }

        /** Gives the permit back, telling the limit what the attempt came to. */
        public void release(Feedback feedback) {
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
