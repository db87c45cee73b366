package io.dumpforwarder.support;

import java.util.List;
import java.util.Map;
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

    private final Map<String, List<Counter>> received;

    private final Map<String, List<Counter>> forwarded;

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

    /** The counters of this name by outcome, each caller's together. */
    private static Map<String, List<Counter>> byOutcome(MeterRegistry registry, String name) {
        return registry.get(name)
            .counters()
            .stream()
            .collect(Collectors.groupingBy((counter) -> counter.getId().getTag("outcome")));
    }

    private static long sum(List<Counter> counters) {
        return counters.stream().mapToLong((counter) -> (long) counter.count()).sum();
    }

    /** The count of the counter of this name and tags (key, value, ...), read now. */
    public double count(String name, String... tags) {
        return this.registry.get(name).tags(tags).counter().count();
    }

    /**
     * The count of the function counter of this name and tags (key, value, ...), read
     * now.
     */
    public double functionCount(String name, String... tags) {
        return this.registry.get(name).tags(tags).functionCounter().count();
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
        return sum(this.received.get(outcome));
    }

    public long forwarded(String outcome) {
        return sum(this.forwarded.get(outcome));
    }

    public long forwardedTotal() {
        return this.forwarded.values().stream().mapToLong(Meters::sum).sum();
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

    /** A caller's own: accepted = sum(forwarded) + held, all of that caller. */
    public boolean accountingHolds(String caller) {
        long forwarded = sum(List.copyOf(this.registry.find("dumps.forwarded").tag("caller", caller).counters()));
        return (long) count("dumps.received", "caller", caller, "outcome", "accepted") == forwarded
                + (long) gauge("dumps.caller.held", "caller", caller);
    }

}
