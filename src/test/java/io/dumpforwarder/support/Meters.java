package io.dumpforwarder.support;

import io.micrometer.core.instrument.MeterRegistry;

/** Reads the service's own meters by their Prometheus-facing names. */
public final class Meters {

    private final MeterRegistry registry;

    public Meters(MeterRegistry registry) {
        this.registry = registry;
    }

    public long received(String outcome) {
        return (long) this.registry.get("dumps.received").tag("outcome", outcome).counter().count();
    }

    public long forwarded(String outcome) {
        return (long) this.registry.get("dumps.forwarded").tag("outcome", outcome).counter().count();
    }

    public long forwardedTotal() {
        return this.registry.get("dumps.forwarded").counters().stream().mapToLong((c) -> (long) c.count()).sum();
    }

    public long queued() {
        return (long) this.registry.get("dumps.queued").gauge().value();
    }

    public long queuedBytes() {
        return (long) this.registry.get("dumps.queued.bytes").gauge().value();
    }

    public long inflight() {
        return (long) this.registry.get("dumps.inflight").gauge().value();
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
