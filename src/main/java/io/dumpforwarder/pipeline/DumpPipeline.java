package io.dumpforwarder.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.forward.DownstreamPause;
import io.dumpforwarder.forward.DumpForwarder;
import io.dumpforwarder.forward.Forwarded;
import io.dumpforwarder.forward.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Drains the queue into the forwarder with bounded concurrency and settles every dump
 * with one outcome. On shutdown it stops admitting, lets the queue and in-flight forwards
 * drain for the drain timeout, then settles whatever is left as {@code shutdown}: nothing
 * leaves uncounted.
 */
@Component
class DumpPipeline implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(DumpPipeline.class);

    private static final Duration IDLE_POLL = Duration.ofMillis(20);

    private static final Duration ABORT_GRACE = Duration.ofSeconds(5);

    private final DumpQueue queue;

    private final DumpForwarder forwarder;

    private final DownstreamPause pause;

    private final ForwardMetrics metrics;

    private final FailureLog failures;

    private final int maxConcurrency;

    private final ForwarderProperties.Batch batch;

    private final long maxAgeNanos;

    private final Duration drainTimeout;

    private final Sinks.One<Boolean> abort = Sinks.one();

    private volatile boolean aborted;

    private volatile boolean running;

    private final ApplicationEventPublisher events;

    DumpPipeline(DumpQueue queue, DumpForwarder forwarder, DownstreamPause pause, ForwardMetrics metrics,
            FailureLog failures, ForwarderProperties properties, ApplicationEventPublisher events) {
        this.pause = pause;
        this.events = events;
        this.queue = queue;
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.failures = failures;
        this.maxConcurrency = properties.maxConcurrency();
        this.batch = properties.batch();
        this.maxAgeNanos = properties.maxAge().toNanos();
        this.drainTimeout = properties.shutdown().drainTimeout();
    }

    @Override
    public void start() {
        // Never disposed: a dump that slips in while the queue closes is still settled,
        // as shutdown at worst.
        // It should never end either; if it does, nothing would drain the queue, so
        // liveness goes down.
        requests(this.queue.dumps().doOnNext((dump) -> this.metrics.started()))
            .flatMap(this::settle, this.maxConcurrency)
            .subscribe(null, (error) -> broken(error), () -> broken(null));
        this.queue.open();
        this.running = true;
    }

    /**
     * What goes out in one request: each dump alone, or batches bounded in dumps, bytes
     * and wait.
     */
    private Flux<List<Dump>> requests(Flux<Dump> dumps) {
        if (!this.batch.enabled()) {
            return dumps.map(List::of);
        }
        // Fair backpressure and a prefetch of one: dumps leave the queue only as batches
        // can be sent.
        return dumps.bufferTimeout(this.batch.maxDumps(), this.batch.maxWait(), true)
            .concatMapIterable((gathered) -> Batches.split(gathered, this.batch.maxBytes().toBytes()), 1);
    }

    /**
     * Waits out a pause the collector asked for (unless shutdown aborts it), then sends.
     */
    private Mono<Void> settle(List<Dump> dumps) {
        if (!this.pause.isPaused()) {
            return send(dumps);
        }
        return this.pause.over().takeUntilOther(this.abort.asMono()).then(Mono.defer(() -> send(dumps)));
    }

    private Mono<Void> send(List<Dump> dumps) {
        long start = System.nanoTime();
        if (this.aborted) {
            settle(dumps, Forwarded.SHUTDOWN, start);
            return Mono.empty();
        }
        List<Dump> sent = fresh(dumps, start);
        if (sent.isEmpty()) {
            return Mono.empty();
        }
        return this.forwarder.forward(sent)
            .takeUntilOther(this.abort.asMono())
            .defaultIfEmpty(Forwarded.SHUTDOWN)
            .onErrorResume((error) -> Mono.just(new Forwarded(Outcome.ERROR, error.toString())))
            .doOnNext((result) -> settle(sent, result, start))
            .then()
            .onErrorResume((error) -> {
                logger.error("Dumps settled but not logged", error);
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
            if (now - dump.receivedNanos() > this.maxAgeNanos) {
                settle(List.of(dump), Forwarded.EXPIRED, now);
            }
            else {
                fresh.add(dump);
            }
        }
        return fresh;
    }

    private void settle(List<Dump> dumps, Forwarded result, long start) {
        this.queue.settled(dumps);
        this.metrics.settled(result.outcome(), dumps.size(), start);
        this.failures.log(dumps, result);
    }

    private void broken(Throwable error) {
        logger.error("The forwarding pipeline stopped; the queue is no longer drained", error);
        AvailabilityChangeEvent.publish(this.events, this, LivenessState.BROKEN);
    }

    @Override
    public void stop(Runnable callback) {
        this.queue.close();
        long started = System.nanoTime();
        long settledBefore = this.metrics.settledTotal();
        long shutdownBefore = this.metrics.count(Outcome.SHUTDOWN);
        long left = this.queue.size() + this.metrics.inflight();
        logger.info("Draining {} dumps for at most {}", left, this.drainTimeout);
        idle().timeout(this.drainTimeout).onErrorResume(TimeoutException.class, (timeout) -> {
            this.aborted = true;
            this.abort.tryEmitValue(Boolean.TRUE);
            return idle().timeout(ABORT_GRACE);
        }).doFinally((signal) -> {
            this.running = false;
            logger.atInfo()
                .addKeyValue("settled", this.metrics.settledTotal() - settledBefore)
                .addKeyValue("shutdown", this.metrics.count(Outcome.SHUTDOWN) - shutdownBefore)
                .addKeyValue("unsettled", this.queue.size() + this.metrics.inflight())
                .log("Drain finished in {} ms: {} dumps settled, {} of them dropped as shutdown",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                        this.metrics.settledTotal() - settledBefore,
                        this.metrics.count(Outcome.SHUTDOWN) - shutdownBefore);
            callback.run();
        }).subscribe((ignored) -> {
        }, (error) -> logger.error("Drain did not finish", error));
    }

    private Mono<Long> idle() {
        return Flux.interval(Duration.ZERO, IDLE_POLL)
            .filter((tick) -> this.queue.size() == 0 && this.metrics.inflight() == 0)
            .next();
    }

    @Override
    public void stop() {
        stop(() -> {
        });
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /**
     * Stops before the web server's graceful shutdown, so ingest answers 503 while the
     * queue drains.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

}
