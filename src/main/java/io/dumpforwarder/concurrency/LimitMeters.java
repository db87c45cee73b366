package io.dumpforwarder.concurrency;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.netflix.concurrency.limits.MetricIds;
import com.netflix.concurrency.limits.MetricRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Publishes what the limiter and its algorithm measure as {@code dumps.forward.limit*}
 * meters.
 */
final class LimitMeters implements MetricRegistry {

    private final MeterRegistry registry;

    LimitMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void gauge(String id, Supplier<Number> supplier, String... tags) {
        if (MetricIds.LIMIT_NAME.equals(id)) {
            Gauge.builder("dumps.forward.limit", supplier)
                .description("The adaptive limit on attempts in flight")
                .register(this.registry);
        }
    }

    @Override
    public Counter counter(String id, String... tags) {
        String status = tags[tags.length - 1];
        if (!MetricIds.CALL_NAME.equals(id) || "bypassed".equals(status)) {
            return () -> {
            };
        }
        io.micrometer.core.instrument.Counter counter = io.micrometer.core.instrument.Counter
            .builder("dumps.forward.limit.calls")
            .description("Permits of the adaptive limit by what they told it: success (a round-trip sample), dropped "
                    + "(timeout or overload), ignored (the collector was not reached); rejected: none was free, so "
                    + "the attempt waited")
            .tag("status", status)
            .register(this.registry);
        return counter::increment;
    }

    @Override
    public SampleListener distribution(String id, String... tags) {
        if (!MetricIds.MIN_RTT_NAME.equals(id)) {
            return (value) -> {
            };
        }
        AtomicLong latest = new AtomicLong();
        Gauge.builder("dumps.forward.limit.min.rtt", latest, (nanos) -> nanos.get() / 1e9)
            .description("The adaptive limit's estimate of the collector's round trip without queueing")
            .baseUnit("seconds")
            .register(this.registry);
        return (value) -> latest.set(value.longValue());
    }

}
