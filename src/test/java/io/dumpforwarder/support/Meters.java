package io.dumpforwarder.support;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The service's own meters, looked up once so they can still be read after the
 * application (and its registry) has closed.
 */
public final class Meters {

    private final MeterRegistry registry;

    private final Map<String, Counter> received;

    private final Map<String, Counter> forwarded;

    private final Gauge queued;

    private final Gauge queuedBytes;

    private final Gauge inflight;

    public Meters(MeterRegistry registry) {
        this.registry = registry;
        this.received = byOutcome(registry, "dumps.received");
        this.forwarded = byOutcome(registry, "dumps.forwarded");
        this.queued = registry.get("dumps.queued").gauge();
        this.queuedBytes = registry.get("dumps.queued.bytes").gauge();
        this.inflight = registry.get("dumps.inflight").gauge();
    }

    private static Map<String, Counter> byOutcome(MeterRegistry registry, String name) {
        return registry.get(name)
            .counters()
            .stream()
            .collect(Collectors.toMap((counter) -> counter.getId().getTag("outcome"), Function.identity()));
    }

    /** The count of the counter of this name and tags (key, value, ...), read now. */
    public double count(String name, String... tags) {
        return this.registry.get(name).tags(tags).counter().count();
    }

    /** The timer of this name and tags (key, value, ...). */
    public Timer timer(String name, String... tags) {
        return this.registry.get(name).tags(tags).timer();
    }

    /** The value of the gauge of this name and tags (key, value, ...), read now. */
    public double gauge(String name, String... tags) {
        return this.registry.get(name).tags(tags).gauge().value();
    }

    public long received(String outcome) {
        return (long) this.received.get(outcome).count();
    }

    public long forwarded(String outcome) {
        return (long) this.forwarded.get(outcome).count();
    }

    public long forwardedTotal() {
        return this.forwarded.values().stream().mapToLong((counter) -> (long) counter.count()).sum();
    }

    public long queued() {
        return (long) this.queued.value();
    }

    public long queuedBytes() {
        return (long) this.queuedBytes.value();
    }

    public long inflight() {
        return (long) this.inflight.value();
    }

    /** Nothing waits in the queue and nothing is in flight. */
    public boolean idle() {
        return queued() == 0 && inflight() == 0;
    }

    /** accepted = sum(forwarded) + queued + inflight. */
    public boolean accountingHolds() {
        return received("accepted") == forwardedTotal() + queued() + inflight();
    }

}
