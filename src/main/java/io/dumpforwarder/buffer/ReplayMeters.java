package io.dumpforwarder.buffer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.dumpforwarder.buffer.Replay.Source;
import io.dumpforwarder.dump.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** What replays do, by where they read from ({@code from}: dead-letters, buffer). */
final class ReplayMeters {

    private final Map<Source, Map<Outcome, Counter>> replayed = new EnumMap<>(Source.class);

    private final Map<Source, AtomicInteger> running = new EnumMap<>(Source.class);

    private final Map<Source, Counter> read = new EnumMap<>(Source.class);

    ReplayMeters(MeterRegistry registry) {
        for (Source source : Source.values()) {
            AtomicInteger count = new AtomicInteger();
            this.running.put(source, count);
            Gauge.builder("dumps.replay.running", count, AtomicInteger::get)
                .description("1 while a replay from this source runs on this pod")
                .tag("from", source.word())
                .register(registry);
            this.read.put(source,
                    Counter.builder("dumps.replay.read")
                        .description("Records a replay read")
                        .tag("from", source.word())
                        .register(registry));
            Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                outcomes.put(outcome,
                        Counter.builder("dumps.replayed")
                            .description("Replayed dumps by final outcome")
                            .tag("from", source.word())
                            .tag("outcome", outcome.tag())
                            .register(registry));
            }
            this.replayed.put(source, outcomes);
        }
    }

    void running(Source source, int count) {
        this.running.get(source).set(count);
    }

    void read(Source source) {
        this.read.get(source).increment();
    }

    /** A replayed dump ended with this outcome (shutdown: left for the next replay). */
    void replayed(Source source, Outcome outcome) {
        this.replayed.get(source).get(outcome).increment();
    }

}
