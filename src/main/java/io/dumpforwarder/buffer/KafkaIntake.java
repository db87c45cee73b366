package io.dumpforwarder.buffer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.caller.BoundedCounter;
import io.dumpforwarder.caller.CallerShares;
import io.dumpforwarder.caller.CallersProperties;
import io.dumpforwarder.config.LogProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.Intake;
import io.dumpforwarder.queue.DumpQueue;
import io.dumpforwarder.util.LogWindow;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import org.springframework.kafka.core.KafkaTemplate;

/**
 * Ingest's side of the Kafka buffer: a request's dumps are accepted once Kafka has
 * acknowledged every one of them (the producer's {@code acks=all}, idempotent), within
 * {@code forwarder.buffer.kafka.send-timeout}; otherwise none is acknowledged to the
 * caller. A send that timed out may still land: the dump is then forwarded anyway (at
 * least once). Sends run on the buffer's own bounded threads, never on those Actuator's
 * probes and scrapes use, since a send may block while Kafka is away; and once sends keep
 * failing, the {@code buffer} breaker answers {@code NOT_BUFFERED} at once until its own
 * probe ({@link BreakerProbe}) finds Kafka back, so callers are not held for the send
 * timeout each, nor is any caller's send the probe. The log says when Kafka stops
 * acknowledging (one WARN) and when it acknowledges again (one INFO, with how long and
 * how many requests were refused).
 * <p>
 * Bounded and fair as the queue is, in the bytes of dumps given to the producer and not
 * yet acknowledged (or failed) by Kafka, at most the producer's {@code buffer.memory}: a
 * request that does not fit is refused {@link Admission#FULL} at once, rather than wait
 * in the producer for room; and once they are
 * {@code forwarder.ingest.callers.fair-share-from} of it, a caller holding more than its
 * weighted share while others hold some too is refused {@link Admission#OVER_SHARE}. A
 * caller's bytes count until Kafka has answered for each of its dumps, even after its
 * request was answered 503 for the send timeout.
 */
class KafkaIntake implements Intake {

    private static final Logger logger = LoggerFactory.getLogger(KafkaIntake.class);

    /** The producer's own default {@code buffer.memory}. */
    private static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;

    private final KafkaTemplate<byte[], byte[]> template;

    private final DumpQueue queue;

    private final String topic;

    private final Duration sendTimeout;

    private final CircuitBreaker breaker;

    private final TopicCheck topics;

    private final Scheduler sends;

    /** Since when sends have failed (nanoTime), 0 while they succeed. */
    private final AtomicLong failingSince = new AtomicLong();

    private final AtomicLong refusedWhileFailing = new AtomicLong();

    /** Bytes of dumps given to the producer and not yet answered for. */
    private final BoundedCounter unacknowledged;

    private final CallerShares shares;

    /** Lines about a breaker that could not record, a few a second at most. */
    private final LogWindow unrecorded;

    KafkaIntake(KafkaTemplate<byte[], byte[]> template, DumpQueue queue, BufferProperties.Kafka kafka,
            CallersProperties callers, LogProperties log, CircuitBreaker breaker, TopicCheck topics, Scheduler sends,
            MeterRegistry registry) {
        this.template = template;
        this.topics = topics;
        this.unacknowledged = new BoundedCounter(bufferMemory(template));
        this.shares = new CallerShares(callers);
        Gauge.builder("dumps.buffer.unacknowledged.bytes", this.unacknowledged, BoundedCounter::used)
            .description("Bytes of dumps given to the Kafka producer and not yet acknowledged or failed")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("dumps.buffer.unacknowledged.capacity.bytes", this.unacknowledged, BoundedCounter::capacity)
            .description("Bytes of dumps given to the Kafka producer at most (its buffer.memory)")
            .baseUnit("bytes")
            .register(registry);
        this.breaker = breaker;
        this.sends = sends;
        this.queue = queue;
        this.topic = kafka.topic();
        this.sendTimeout = kafka.sendTimeout();
        this.unrecorded = new LogWindow(log.failuresPerSecond());
    }

    @Override
    public Mono<Admission> admit(List<Dump> dumps) {
        if (!isOpen()) {
            return Mono.just(Admission.CLOSED);
        }
        String caller = dumps.get(0).caller();
        long bytes = Dump.size(dumps);
        if (this.shares.isOverShare(caller, bytes, this.unacknowledged)) {
            return Mono.just(Admission.OVER_SHARE);
        }
        if (!this.unacknowledged.tryReserve(bytes)) {
            return Mono.just(Admission.FULL);
        }
        this.shares.add(caller, bytes);
        Unsent unsent = new Unsent(caller, bytes);
        long acceptedAt = System.currentTimeMillis();
        // The producer may block while it fetches metadata or waits for buffer space:
        // never on an event loop.
        return Mono.defer(() -> {
            // Sent only while the breaker is closed: whether Kafka is back is found out
            // by the breaker's own probe, never by a caller's send.
            if (!this.topics.found() || this.breaker.getState() != CircuitBreaker.State.CLOSED
                    || !this.breaker.tryAcquirePermission()) {
                return Mono.just(Admission.NOT_BUFFERED);
            }
            long start = this.breaker.getCurrentTimestamp();
            return Flux.fromIterable(dumps)
                .flatMap((dump) -> Mono.fromFuture(() -> send(dump, acceptedAt, unsent), true))
                .then(Mono.just(Admission.ACCEPTED))
                .subscribeOn(this.sends)
                .timeout(this.sendTimeout)
                .doOnSuccess((admission) -> record(() -> this.breaker
                    .onSuccess(this.breaker.getCurrentTimestamp() - start, this.breaker.getTimestampUnit())))
                .doOnError((error) -> record(() -> this.breaker.onError(this.breaker.getCurrentTimestamp() - start,
                        this.breaker.getTimestampUnit(), error)))
                .doOnCancel(() -> record(this.breaker::releasePermission));
        }).onErrorResume((error) -> {
            logger.debug("Dumps not buffered", error);
            return Mono.just(Admission.NOT_BUFFERED);
        })
            .doOnNext(this::note)
            // Last, so it runs however the request ends, even when the open breaker never
            // let the sends start.
            .doFinally((signal) -> unsent.close());
    }

    /**
     * Tells the buffer breaker how a send ended. Whatever the breaker throws, the caller
     * is still answered: through Resilience4j's Reactor operator such a throw is dropped,
     * and the request never answered (issue 37: Resilience4j 2.4's lock-free window of
     * one call threw a NullPointerException recording late send timeouts). Logged at most
     * {@code forwarder.log.failures-per-second} lines a second.
     */
    private void record(Runnable outcome) {
        try {
            outcome.run();
        }
        catch (RuntimeException ex) {
            long suppressed = this.unrecorded.tryAcquire();
            if (suppressed >= 0) {
                logger.warn("The buffer breaker could not record a send: {}; {} similar lines suppressed since the "
                        + "last one", ex.toString(), suppressed);
            }
        }
    }

    /**
     * Gives the dump to the producer; its bytes are released once Kafka answers for it,
     * or at once if it is never sent.
     */
    private CompletableFuture<?> send(Dump dump, long acceptedAt, Unsent unsent) {
        if (!unsent.take(dump.size())) {
            return CompletableFuture.failedFuture(new CancellationException("the request was answered"));
        }
        CompletableFuture<?> sent;
        try {
            sent = this.template.send(DumpRecords.record(this.topic, dump, acceptedAt));
        }
        catch (RuntimeException ex) {
            answered(unsent.caller, dump.size());
            throw ex;
        }
        // On the send itself, not on a future the timeout may cancel first: a cancelled
        // future's whenComplete never runs.
        sent.whenComplete((result, error) -> answered(unsent.caller, dump.size()));
        return sent;
    }

    private void answered(String caller, long bytes) {
        this.unacknowledged.release(bytes);
        this.shares.remove(caller, bytes);
    }

    private static long bufferMemory(KafkaTemplate<byte[], byte[]> template) {
        Object configured = template.getProducerFactory()
            .getConfigurationProperties()
            .get(ProducerConfig.BUFFER_MEMORY_CONFIG);
        return (configured != null) ? Long.parseLong(configured.toString().trim()) : DEFAULT_BUFFER_MEMORY;
    }

    private void note(Admission admission) {
        long since = this.failingSince.get();
        if (admission == Admission.NOT_BUFFERED) {
            this.refusedWhileFailing.incrementAndGet();
            if (since == 0 && this.failingSince.compareAndSet(0, System.nanoTime())) {
                logger.warn("Kafka did not acknowledge dumps within {} ms: callers get 503 buffer_unavailable "
                        + "until it does", this.sendTimeout.toMillis());
            }
        }
        else if (since != 0 && this.failingSince.compareAndSet(since, 0)) {
            long refused = this.refusedWhileFailing.getAndSet(0);
            long millis = Duration.ofNanos(System.nanoTime() - since).toMillis();
            logger.atInfo()
                .addKeyValue("refused", refused)
                .log("Kafka acknowledges dumps again after {} ms; {} requests were refused meanwhile", millis, refused);
        }
    }

    /** Open while the pipeline runs: closed while starting and shutting down. */
    @Override
    public boolean isOpen() {
        return this.queue.isOpen();
    }

    /** Full when not one more byte may be given to the producer. */
    @Override
    public boolean isFull() {
        return this.unacknowledged.isFull();
    }

    /**
     * The bytes of a request's dumps not yet given to the producer, released when the
     * request ends (answered, timed out or cancelled) without sending them.
     */
    private final class Unsent {

        private final String caller;

        private final AtomicLong bytes;

        Unsent(String caller, long bytes) {
            this.caller = caller;
            this.bytes = new AtomicLong(bytes);
        }

        /** Whether the dump may still be sent: the request has not ended. */
        boolean take(long dumpBytes) {
            return this.bytes.addAndGet(-dumpBytes) >= 0;
        }

        void close() {
            long left = this.bytes.getAndSet(Long.MIN_VALUE / 2);
            if (left > 0) {
                answered(this.caller, left);
            }
        }

    }

}
