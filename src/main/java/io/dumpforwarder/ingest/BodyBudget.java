package io.dumpforwarder.ingest;

import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.config.ForwarderProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * The bytes of request bodies being received and held at once, over all requests, bounded
 * by {@code forwarder.ingest.max-inflight-bytes}. Each request takes a {@link Lease},
 * reserves what it is about to buffer, and gives all of it back when it is answered.
 */
@Component
class BodyBudget {

    private final long capacity;

    private final AtomicLong used = new AtomicLong();

    BodyBudget(ForwarderProperties properties, MeterRegistry registry) {
        this.capacity = properties.ingest().maxInflightBytes().toBytes();
        Gauge.builder("dumps.ingest.inflight.bytes", this.used, AtomicLong::get)
            .description("Bytes of request bodies being received and held")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("dumps.ingest.inflight.capacity.bytes", () -> this.capacity)
            .description("Bytes of request bodies held at once at most (forwarder.ingest.max-inflight-bytes)")
            .baseUnit("bytes")
            .register(registry);
    }

    /** Bytes not held by any request now. */
    long available() {
        return this.capacity - this.used.get();
    }

    Lease lease() {
        return new Lease();
    }

    /**
     * One request's share of the budget, reserved as its body arrives and closed when it
     * is answered.
     */
    final class Lease implements AutoCloseable {

        /**
         * Bytes held; negative once closed, so that a reservation racing the close is
         * given back.
         */
        private final AtomicLong held = new AtomicLong();

        /** Takes {@code bytes} more, or nothing if the budget has not that much left. */
        boolean reserve(long bytes) {
            long current;
            do {
                current = BodyBudget.this.used.get();
                if (current + bytes > BodyBudget.this.capacity) {
                    return false;
                }
            }
            while (!BodyBudget.this.used.compareAndSet(current, current + bytes));
            if (this.held.getAndAdd(bytes) < 0) {
                BodyBudget.this.used.addAndGet(-bytes);
                return false;
            }
            return true;
        }

        /**
         * Gives back everything this request held; closing twice gives back nothing more.
         */
        @Override
        public void close() {
            long held = this.held.getAndSet(Long.MIN_VALUE / 2);
            if (held > 0) {
                BodyBudget.this.used.addAndGet(-held);
            }
        }

    }

}
