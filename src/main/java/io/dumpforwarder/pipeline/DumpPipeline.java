package io.dumpforwarder.pipeline;

import java.util.ArrayList;
import java.util.List;

import io.dumpforwarder.config.BatchProperties;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.DumpSource;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.MaxAge;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.forward.DumpForwarder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * Drains the source of dumps into the forwarder with bounded concurrency and settles
 * every dump with one outcome: take from the source, cut into requests, expire what
 * waited too long, forward the rest (splitting a refused batch), tell the source, count.
 * {@link #abort()} settles whatever is still in flight as {@code shutdown}.
 */
@Component
class DumpPipeline {

    private static final Logger logger = LoggerFactory.getLogger(DumpPipeline.class);

    private final DumpSource source;

    private final DumpForwarder forwarder;

    private final ForwardMetrics metrics;

    private final FailureLog failures;

    private final int maxConcurrency;

    private final BatchProperties batch;

    private final MaxAge maxAge;

    private final ForwardResult expired;

    private volatile boolean aborted;

    private final ApplicationEventPublisher events;

    DumpPipeline(DumpSource source, DumpForwarder forwarder, ForwardMetrics metrics, FailureLog failures,
            ForwarderProperties properties, BatchProperties batch, MaxAge maxAge, ApplicationEventPublisher events) {
        this.source = source;
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.failures = failures;
        this.events = events;
        this.maxConcurrency = properties.maxConcurrency();
        this.batch = batch;
        this.maxAge = maxAge;
        this.expired = new ForwardResult(Outcome.EXPIRED, "waited longer than " + maxAge.key());
    }

    /** Starts draining the source; then opens it. */
    void start() {
        // Never disposed: a dump that slips in while the source closes is still settled,
        // as shutdown at worst. It should never end either; if it does, nothing would
        // drain the source, so liveness goes down.
        requests(this.source.dumps().doOnNext((dump) -> this.metrics.started()))
            .flatMap(this::send, this.maxConcurrency)
            .subscribe(null, (error) -> broken(error), () -> broken(null));
        this.source.open();
    }

    /** Whether nothing waits in the source and nothing is in flight. */
    boolean isIdle() {
        return this.source.waiting() == 0 && this.metrics.inflight() == 0;
    }

    /**
     * Settles every dump taken from now on, and every one waiting between attempts, as
     * shutdown; attempts on the wire go on until {@link #cut()}.
     */
    void abort() {
        this.aborted = true;
        this.forwarder.stopWaiting();
    }

    /**
     * Ends the attempts still on the wire: by their answer when its status was read, else
     * as shutdown.
     */
    void cut() {
        this.forwarder.stopSending();
    }

    /**
     * What goes out in one request: each dump alone, or batches bounded in dumps, bytes
     * and wait.
     */
    private Flux<List<Dump>> requests(Flux<Dump> dumps) {
        if (!this.batch.enabled()) {
            return dumps.map(List::of);
        }
        // Fair backpressure and a prefetch of one: dumps leave the source only as batches
        // can be sent.
        return dumps.bufferTimeout(this.batch.maxDumps(), this.batch.maxWait(), true)
            .concatMapIterable((gathered) -> Batches.split(gathered, this.batch.maxBytes().toBytes()), 1);
    }

    private Mono<Void> send(List<Dump> dumps) {
        long start = System.nanoTime();
        if (this.aborted) {
            settle(dumps, ForwardResult.SHUTDOWN, start);
            return Mono.empty();
        }
        List<Dump> sent = fresh(dumps, start);
        if (sent.isEmpty()) {
            return Mono.empty();
        }
        return deliver(sent, start).onErrorResume((error) -> {
            logger.error("Dumps settled but not logged", error);
            return Mono.empty();
        });
    }

    /**
     * Forwards the dumps and settles them. A batch the collector refuses (a 4xx other
     * than 408 and 429, a 413 included) is split in halves and each half sent again, one
     * after the other, down to single dumps: only the dumps it refuses alone are refused,
     * in at most log2(batch size) rounds.
     */
    private Mono<Void> deliver(List<Dump> dumps, long start) {
        return this.forwarder.forward(dumps)
            .onErrorResume((error) -> Mono.just(new ForwardResult(Outcome.ERROR, error.toString())))
            .flatMap((result) -> {
                if (result.refused() && dumps.size() > 1) {
                    this.metrics.split();
                    int half = dumps.size() / 2;
                    return deliver(dumps.subList(0, half), start)
                        .then(Mono.defer(() -> deliver(dumps.subList(half, dumps.size()), start)));
                }
                settle(dumps, result, start);
                return Mono.empty();
            });
    }

    /**
     * Settles the dumps that waited past max age as expired; returns the others, to be
     * sent.
     */
    private List<Dump> fresh(List<Dump> dumps, long now) {
        List<Dump> fresh = new ArrayList<>(dumps.size());
        for (Dump dump : dumps) {
            if (this.maxAge.isPassed(dump, now)) {
                settle(List.of(dump), this.expired, now);
            }
            else {
                fresh.add(dump);
            }
        }
        return fresh;
    }

    /**
     * Gives the dumps their one outcome: counted, logged if failed, their bytes released.
     */
    private void settle(List<Dump> dumps, ForwardResult result, long start) {
        List<Dump> settled = this.source.settled(dumps, result);
        if (settled.size() < dumps.size()) {
            this.metrics.kept(dumps.size() - settled.size());
        }
        if (!settled.isEmpty()) {
            this.metrics.settled(result.outcome(), settled, start);
            this.failures.log(settled, result);
        }
    }

    private void broken(Throwable error) {
        logger.error("The forwarding pipeline stopped; the source is no longer drained", error);
        AvailabilityChangeEvent.publish(this.events, this, LivenessState.BROKEN);
    }

}
