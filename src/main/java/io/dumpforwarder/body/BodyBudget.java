package io.dumpforwarder.body;

import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.caller.BoundedCounter;
import io.dumpforwarder.caller.CallerShares;
import io.dumpforwarder.caller.CallersProperties;
import io.dumpforwarder.config.MemoryBounds;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * The bytes of request bodies being received and held at once, over all requests, bounded
 * by {@code forwarder.ingest.max-inflight-bytes}. Each request takes a {@link Lease},
 * reserves what it is about to buffer, and gives all of it back when it is answered.
 * Shared fairly, as the queue is: once the budget is
 * {@code forwarder.ingest.callers.fair-share-from} used, a caller holding more than its
 * weighted share of it while other callers hold some too, or asked for some within the
 * last second, gets no more ({@link Grant#OVER_SHARE}).
 */
@Component
public class BodyBudget {

    private final BoundedCounter bytes;

    private final CallerShares shares;

    public BodyBudget(MemoryBounds bounds, CallersProperties callers, MeterRegistry registry) {
        this.bytes = new BoundedCounter(bounds.bodyBytes());
        this.shares = new CallerShares(callers);
        Gauge.builder("dumps.ingest.inflight.bytes", this.bytes, BoundedCounter::used)
            .description("Bytes of request bodies being received and held")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("dumps.ingest.inflight.capacity.bytes", this.bytes, BoundedCounter::capacity)
            .description("Bytes of request bodies held at once at most (forwarder.ingest.max-inflight-bytes)")
            .baseUnit("bytes")
            .register(registry);
    }

    /** Bytes not held by any request now. */
    public long available() {
        return this.bytes.available();
    }

    /**
     * Whether {@code bytes} more for this caller would pass its share: a body declared
     * that long is refused before it is read.
     */
    public boolean isOverShare(String caller, long bytes) {
        return this.shares.isOverShare(caller, bytes, this.bytes);
    }

    public Lease lease(String caller) {
        return new Lease(caller);
    }

    /** What a lease was granted. */
    public enum Grant {

        /** The bytes are reserved. */
        GRANTED,
        /** Nothing is reserved: the budget has not that much left. */
        NO_BUDGET,
        /** Nothing is reserved: the caller would hold more than its share. */
        OVER_SHARE

    }

    /**
     * One request's share of the budget, reserved as its body arrives and closed when it
     * is answered.
     */
    public final class Lease implements AutoCloseable {

        private final String caller;

        /**
         * Bytes held; negative once closed, so that a reservation racing the close is
         * given back.
         */
        private final AtomicLong held = new AtomicLong();

        private Lease(String caller) {
            this.caller = caller;
        }

        /**
         * Takes {@code bytes} more, or nothing if the caller would pass its share or the
         * budget has not that much left.
         */
        Grant reserve(long bytes) {
            if (BodyBudget.this.shares.isOverShare(this.caller, bytes, BodyBudget.this.bytes)) {
                return Grant.OVER_SHARE;
            }
            if (!BodyBudget.this.bytes.tryReserve(bytes)) {
                return Grant.NO_BUDGET;
            }
            if (this.held.getAndAdd(bytes) < 0) {
                BodyBudget.this.bytes.release(bytes);
                return Grant.NO_BUDGET;
            }
            BodyBudget.this.shares.add(this.caller, bytes);
            return Grant.GRANTED;
        }

        /**
         * The most {@link #reserve} could grant now: what the budget has left, within the
         * caller's share.
         */
        long room() {
            return Math.min(BodyBudget.this.bytes.available(),
                    BodyBudget.this.shares.room(this.caller, BodyBudget.this.bytes));
        }

        /**
         * Gives back everything this request held; closing twice gives back nothing more.
         */
        @Override
        public void close() {
            long held = this.held.getAndSet(Long.MIN_VALUE / 2);
            if (held > 0) {
                BodyBudget.this.bytes.release(held);
                BodyBudget.this.shares.remove(this.caller, held);
            }
        }

    }

}
