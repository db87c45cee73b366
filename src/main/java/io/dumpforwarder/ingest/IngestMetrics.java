package io.dumpforwarder.ingest;

import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/** {@code dumps_received_total{outcome}}: every dump (or NDJSON line) that reached ingest, by outcome. */
@Component
class IngestMetrics {

    private final Map<Received, Counter> received = new EnumMap<>(Received.class);

    IngestMetrics(MeterRegistry registry) {
        for (Received outcome : Received.values()) {
            this.received.put(outcome, Counter.builder("dumps.received")
                .description("Dumps received on the ingest API, by outcome (an NDJSON request counts each line)")
                .tag("outcome", outcome.tag())
                .register(registry));
        }
    }

    void count(Received outcome, long dumps) {
        this.received.get(outcome).increment(dumps);
    }

}
