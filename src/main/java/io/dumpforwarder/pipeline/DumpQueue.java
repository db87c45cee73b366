package io.dumpforwarder.pipeline;

import java.util.List;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * The in-memory queue between ingest and forwarding, bounded in dumps waiting and in
 * bytes of dumps held: a dump's bytes count from its admission until it is settled, so
 * the bound covers the dumps being forwarded too, and with it every body sent to the
 * collector (built over the dumps' own bytes). Any thread may offer; the pipeline drains
 * it as one {@link Flux}. The dumps of a request are admitted whole or not at all, so a
 * rejected request leaves nothing behind.
 */
@Component
public class DumpQueue implements Intake {

    /** Dumps waiting. */
    private final BoundedCounter size;

    /** Bytes of dumps held, waiting or being forwarded. */
    private final BoundedCounter bytes;

    private final Flux<Dump> dumps;

    private volatile FluxSink<Dump> sink;

    private volatile boolean open;

    DumpQueue(ForwarderProperties properties, MeterRegistry registry) {
        this.size = new BoundedCounter(properties.queue().capacity());
        this.bytes = new BoundedCounter(properties.queue().maxBytes().toBytes());
        // FluxSink serialises concurrent producers; its buffer holds at most what the
        // counters admitted.
        this.dumps = Flux.<Dump>create((sink) -> this.sink = sink, FluxSink.OverflowStrategy.BUFFER)
            .doOnNext(this::release);
        Gauge.builder("dumps.queued", this.size, BoundedCounter::used)
            .description("Dumps waiting in the queue")
            .register(registry);
        Gauge.builder("dumps.queued.bytes", this.bytes, BoundedCounter::used)
            .description("Bytes of dumps held: waiting in the queue or being forwarded")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("dumps.queue.capacity", this.size, BoundedCounter::capacity)
            .description("Dumps the queue holds at most (forwarder.queue.capacity)")
            .register(registry);
        Gauge.builder("dumps.queue.capacity.bytes", this.bytes, BoundedCounter::capacity)
            .description("Bytes of dumps held at most, waiting or being forwarded (forwarder.queue.max-bytes)")
            .baseUnit("bytes")
            .register(registry);
    }

    @Override
    public Mono<Admission> admit(List<Dump> dumps) {
        return Mono.just(offer(dumps));
    }

    /** Queues every dump of one request, or none of them. */
    public Admission offer(List<Dump> dumps) {
        FluxSink<Dump> sink = this.sink;
        if (!this.open || sink == null) {
            return Admission.CLOSED;
        }
        long requestBytes = bytesOf(dumps);
        if (!this.size.tryReserve(dumps.size())) {
            return Admission.FULL;
        }
        if (!this.bytes.tryReserve(requestBytes)) {
            this.size.release(dumps.size());
            return Admission.FULL;
        }
        dumps.forEach(sink::next);
        return Admission.ACCEPTED;
    }

    @Override
    public boolean isFull() {
        return this.size.isFull() || this.bytes.isFull();
    }

    @Override
    public boolean isOpen() {
        return this.open;
    }

    long size() {
        return this.size.used();
    }

    /**
     * The queued dumps, each leaving the bound in dumps as it is taken; its bytes stay
     * held until it is settled.
     */
    Flux<Dump> dumps() {
        return this.dumps;
    }

    void open() {
        this.open = true;
    }

    void close() {
        this.open = false;
    }

    private void release(Dump dump) {
        this.size.release(1);
    }

    /** The dumps are settled: their bytes are no longer held. */
    void settled(List<Dump> dumps) {
        this.bytes.release(bytesOf(dumps));
    }

    private static long bytesOf(List<Dump> dumps) {
        long bytes = 0;
        for (Dump dump : dumps) {
            bytes += dump.size();
        }
        return bytes;
    }

}
