package io.dumpforwarder.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.caller.BoundedCounter;
import io.dumpforwarder.caller.CallerShares;
import io.dumpforwarder.caller.CallersProperties;
import io.dumpforwarder.config.QueueProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.DumpSource;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Intake;
import io.dumpforwarder.util.LatencyBuckets;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

import org.springframework.stereotype.Component;

/**
 * The in-memory queue between ingest and forwarding, bounded in dumps waiting and in
 * bytes of dumps held: a dump's bytes count from its admission until it is settled, so
 * the bound covers the dumps being forwarded too, and with it every body sent to the
 * collector (built over the dumps' own bytes). The dumps of a request are admitted whole
 * or not at all, so a rejected request leaves nothing behind.
 * <p>
 * Fair to callers: once the queue is {@code forwarder.ingest.callers.fair-share-from}
 * full (in dumps or bytes, whichever is fuller), a caller holding more than its weighted
 * share of either is refused ({@link Admission#OVER_SHARE}); and the pipeline takes the
 * dumps round-robin from the callers, each taking as many turns as its weight, so a
 * steady caller's dumps never wait behind a flood's backlog. Any thread may offer; the
 * pipeline drains the queue as one {@link Flux}, no faster than it asks.
 */
@Component
public class DumpQueue implements Intake, DumpSource {

    /** Dumps waiting. */
    private final BoundedCounter size;

    /** Bytes of dumps held, waiting or being forwarded. */
    private final BoundedCounter bytes;

    private final CallerShares dumpShares;

    private final CallerShares byteShares;

    /** Each caller's dumps and meters. */
    private final Map<String, Line> lines = new ConcurrentHashMap<>();

    /** The callers in the order the pipeline visits them. */
    private final List<Line> turns = new CopyOnWriteArrayList<>();

    private final MeterRegistry registry;

    /** Serialises draining: whoever raises it from 0 drains for everyone. */
    private final AtomicInteger draining = new AtomicInteger();

    /** The caller whose turn it is, and the turns it has taken; the drainer's only. */
    private int turn;

    private int turnsTaken;

    private final Flux<Dump> dumps;

    private volatile FluxSink<Dump> sink;

    private volatile boolean open;

    /** The application's event loops, on which callers' dumps are queued. */
    private final EventExecutor[] loops;

    /** Whether a drain is queued on an event loop and has not started. */
    private final AtomicBoolean drainDue = new AtomicBoolean();

    private final Runnable dueDrain = () -> {
        this.drainDue.set(false);
        drain();
    };

    DumpQueue(QueueProperties settings, CallersProperties callers, MeterRegistry registry, LoopResources eventLoops) {
        this.registry = registry;
        List<EventExecutor> executors = new ArrayList<>();
        eventLoops.onServer(LoopResources.DEFAULT_NATIVE).forEach(executors::add);
        this.loops = executors.toArray(EventExecutor[]::new);
        this.size = new BoundedCounter(settings.capacity());
        this.bytes = new BoundedCounter(settings.maxBytes().toBytes());
        this.dumpShares = new CallerShares(callers);
        this.byteShares = new CallerShares(callers);
        this.dumps = Flux.create((sink) -> {
            this.sink = sink;
            sink.onRequest((n) -> drain());
        });
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

    /** Queues every dump of one request (all of one caller), or none of them. */
    public Admission offer(List<Dump> dumps) {
        if (!this.open || this.sink == null) {
            return Admission.CLOSED;
        }
        String caller = dumps.get(0).caller();
        long requestBytes = Dump.size(dumps);
        if (this.dumpShares.isOverShare(caller, dumps.size(), this.size)
                || this.byteShares.isOverShare(caller, requestBytes, this.bytes)) {
            return Admission.OVER_SHARE;
        }
        if (!this.size.tryReserve(dumps.size())) {
            return Admission.FULL;
        }
        if (!this.bytes.tryReserve(requestBytes)) {
            this.size.release(dumps.size());
            return Admission.FULL;
        }
        this.dumpShares.add(caller, dumps.size());
        this.byteShares.add(caller, requestBytes);
        Line line = lineOf(caller);
        line.held.addAndGet(dumps.size());
        line.waiting.addAll(dumps);
        drainAfterThisTask();
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

    @Override
    public long waiting() {
        return this.size.used();
    }

    /**
     * The queued dumps, each leaving the bound in dumps as it is taken; its bytes stay
     * held until it is settled.
     */
    @Override
    public Flux<Dump> dumps() {
        return this.dumps;
    }

    @Override
    public void open() {
        this.open = true;
    }

    @Override
    public void close() {
        this.open = false;
    }

    /** Whatever the result, the dumps are settled: their bytes are no longer held. */
    @Override
    public List<Dump> settled(List<Dump> dumps, ForwardResult result) {
        for (Dump dump : dumps) {
            this.bytes.release(dump.size());
            this.byteShares.remove(dump.caller(), dump.size());
            lineOf(dump.caller()).held.decrementAndGet();
        }
        return dumps;
    }

    private Line lineOf(String caller) {
        Line line = this.lines.get(caller);
        if (line != null) {
            return line;
        }
        return this.lines.computeIfAbsent(caller, (name) -> {
            Line created = new Line(name, this.registry);
            this.turns.add(created);
            return created;
        });
    }

    /**
     * Drains once the event loop that queued the dumps is done with its task, so the
     * caller's answer is written before any forward starts (the forward's start, and the
     * first forward's cold code and connection, are not on the caller's clock); at once
     * on any other thread. One drain waits at a time: it takes every line.
     */
    private void drainAfterThisTask() {
        EventExecutor loop = currentLoop();
        if (loop == null) {
            drain();
        }
        else if (this.drainDue.compareAndSet(false, true)) {
            try {
                loop.execute(this.dueDrain);
            }
            catch (RejectedExecutionException ex) {
                // The loop is shutting down: no drain may stay due on it.
                this.drainDue.set(false);
                drain();
            }
        }
    }

    /** The application's event loop running this thread, or {@code null}. */
    private EventExecutor currentLoop() {
        for (EventExecutor loop : this.loops) {
            if (loop.inEventLoop()) {
                return loop;
            }
        }
        return null;
    }

    /**
     * Hands waiting dumps to the pipeline while it asks for them; one thread at a time,
     * the others leaving their work to it.
     */
    private void drain() {
        if (this.draining.getAndIncrement() != 0) {
            return;
        }
        do {
            FluxSink<Dump> sink = this.sink;
            while (sink != null && sink.requestedFromDownstream() > 0) {
                Dump dump = next();
                if (dump == null) {
                    break;
                }
                this.size.release(1);
                this.dumpShares.remove(dump.caller(), 1);
                this.lines.get(dump.caller()).waited.record(System.nanoTime() - dump.receivedNanos(),
                        TimeUnit.NANOSECONDS);
                sink.next(dump);
            }
        }
        while (this.draining.decrementAndGet() != 0);
    }

    /**
     * The next dump, weighted round-robin over the callers; {@code null} if none waits.
     */
    private Dump next() {
        int callers = this.turns.size();
        if (callers == 0) {
            return null;
        }
        for (int looked = 0; looked <= callers; looked++) {
            Line line = this.turns.get(this.turn % callers);
            if (this.turnsTaken < this.dumpShares.weight(line.caller)) {
                Dump dump = line.waiting.poll();
                if (dump != null) {
                    this.turnsTaken++;
                    return dump;
                }
            }
            this.turn = (this.turn + 1) % callers;
            this.turnsTaken = 0;
        }
        return null;
    }

    /**
     * One caller's dumps waiting, oldest first, its dumps held (accepted and not yet
     * settled) and how long its dumps waited.
     */
    private static final class Line {

        private final String caller;

        private final Queue<Dump> waiting = new ConcurrentLinkedQueue<>();

        private final AtomicLong held = new AtomicLong();

        private final Timer waited;

        Line(String caller, MeterRegistry registry) {
            this.caller = caller;
            Gauge.builder("dumps.caller.held", this.held, AtomicLong::get)
                .description("Dumps of this caller held: accepted and not yet settled, waiting or being forwarded")
                .tag("caller", caller)
                .register(registry);
            this.waited = Timer.builder("dumps.caller.queue.wait")
                .description("Time a caller's dumps waited in the queue, from acceptance to being taken")
                .tag("caller", caller)
                .serviceLevelObjectives(LatencyBuckets.upTo(2500, 5000, 10000))
                .register(registry);
        }

    }

}
