package io.dumpforwarder.body;

import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.pipeline.BoundedCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * The bytes of request bodies being received and held at once, over all requests, bounded
 * by {@code forwarder.ingest.max-inflight-bytes}. Each request takes a {@link Lease},
 * reserves what it is about to buffer, and gives all of it back when it is answered.
 */
@Component
public class BodyBudget {

    private final BoundedCounter bytes;

    BodyBudget(ForwarderProperties properties, MeterRegistry registry) {
        this.bytes = new BoundedCounter(properties.ingest().maxInflightBytes().toBytes());
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

    public Lease lease() {
        return new Lease();
    }

    /**
     * One request's share of the budget, reserved as its body arrives and closed when it
     * is answered.
     */
    public final class Lease implements AutoCloseable {

        /**
         * Bytes held; negative once closed, so that a reservation racing the close is
         * given back.
         */
        private final AtomicLong held = new AtomicLong();

        /** Takes {@code bytes} more, or nothing if the budget has not that much left. */
        boolean reserve(long bytes) {
            if (!BodyBudget.this.bytes.tryReserve(bytes)) {
                return false;
            }
            if (this.held.getAndAdd(bytes) < 0) {
                BodyBudget.this.bytes.release(bytes);
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
                BodyBudget.this.bytes.release(held);
            }
        }

    }

}
