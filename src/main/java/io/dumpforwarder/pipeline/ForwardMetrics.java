package io.dumpforwarder.pipeline;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.dumpforwarder.caller.Callers;
import io.dumpforwarder.config.BatchProperties;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.util.LatencyBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * The forwarding side of the accounting: every dump that leaves the queue is in flight
 * until it is settled with exactly one outcome. A batch is settled as a whole: each of
 * its dumps with the batch's outcome. All series are registered at start-up so they read
 * 0, not absent.
 */
@Component
public class ForwardMetrics {

    private final AtomicInteger inflight = new AtomicInteger();

    /** By caller, then outcome. */
    private final Map<String, Map<Outcome, Counter>> forwarded = new ConcurrentHashMap<>();

    private final MeterRegistry registry;

    private final Map<Outcome, Timer> latency = new EnumMap<>(Outcome.class);

    private final Map<Outcome, Counter> batches = new EnumMap<>(Outcome.class);

    private final DistributionSummary batchSize;

    private final Counter splits;

    private final boolean batched;

    ForwardMetrics(MeterRegistry registry, ForwarderProperties properties, BatchProperties batch, Callers callers) {
        this.registry = registry;
        callers.all().forEach(this::forwardedOf);
        for (Outcome outcome : Outcome.values()) {
            this.batches.put(outcome,
                    Counter.builder("dumps.batches")
                        .description("Batches by outcome (forwarder.batch.enabled)")
                        .tag("outcome", outcome.tag())
                        .register(registry));
            if (outcome.attempted()) {
                this.latency.put(outcome, Timer.builder("dumps.forward")
                    .description(
                            "Time of a forward that reached the network, from its first attempt to its outcome, waits and retries included")
                    .tag("outcome", outcome.tag())
                    .serviceLevelObjectives(LatencyBuckets.upTo(2500))
                    .register(registry));
            }
        }
        this.batched = batch.enabled();
        this.batchSize = DistributionSummary.builder("dumps.batch.size")
            .description("Dumps per batch sent (forwarder.batch.enabled)")
            .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
            .register(registry);
        this.splits = Counter.builder("dumps.batch.splits")
            .description("Batches the collector refused (a 4xx other than 408 and 429) split in halves "
                    + "to send again (forwarder.batch.enabled)")
            .register(registry);
        Gauge.builder("dumps.inflight", this.inflight, AtomicInteger::get)
            .description("Dumps taken from the queue and not yet settled")
            .register(registry);
        int limit = properties.maxConcurrency();
        Gauge.builder("dumps.inflight.limit", () -> limit)
            .description("Forwards in flight at most (forwarder.max-concurrency)")
            .register(registry);
    }

    public void started() {
        this.inflight.incrementAndGet();
    }

    /**
     * The source kept these dumps, to hand them out again: they are no longer in flight,
     * and not settled.
     */
    public void kept(int dumps) {
        this.inflight.addAndGet(-dumps);
    }

    /**
     * Settles the dumps of one request (or, for expired and shutdown, of none) with one
     * outcome.
     * @param outcome what became of them
     * @param dumps how many dumps it settles
     * @param startNanos when the request started
     */
    public void settled(Outcome outcome, List<Dump> dumps, long startNanos) {
        for (Dump dump : dumps) {
            forwardedOf(dump.caller()).get(outcome).increment();
        }
        Timer timer = this.latency.get(outcome);
        if (timer != null) {
            timer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }
        if (this.batched) {
            this.batches.get(outcome).increment();
            this.batchSize.record(dumps.size());
        }
        this.inflight.addAndGet(-dumps.size());
    }

    /**
     * A caller's counters, made for every caller there can be at start-up, and for a
     * caller named by a dump buffered in Kafka by an instance configured otherwise.
     */
    private Map<Outcome, Counter> forwardedOf(String caller) {
        Map<Outcome, Counter> counters = this.forwarded.get(caller);
        if (counters != null) {
            return counters;
        }
        return this.forwarded.computeIfAbsent(caller, (name) -> {
            Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                outcomes.put(outcome,
                        Counter.builder("dumps.forwarded")
                            .description("Accepted dumps by caller and final outcome")
                            .tag("caller", name)
                            .tag("outcome", outcome.tag())
                            .register(this.registry));
            }
            return outcomes;
        });
    }

    /** A refused batch was split in halves, each to be sent again. */
    public void split() {
        this.splits.increment();
    }

    public int inflight() {
        return this.inflight.get();
    }

    public long count(Outcome outcome) {
        long total = 0;
        for (Map<Outcome, Counter> counters : this.forwarded.values()) {
            total += (long) counters.get(outcome).count();
        }
        return total;
    }

    public long settledTotal() {
        long total = 0;
        for (Outcome outcome : Outcome.values()) {
            total += count(outcome);
        }
        return total;
    }

}
