package io.dumpforwarder.buffer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.pipeline.DumpQueue;
import io.dumpforwarder.pipeline.Intake;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
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
 * failing, the {@code buffer} breaker answers {@code NOT_BUFFERED} at once until a probe
 * send succeeds, so callers are not held for the send timeout each. The log says when
 * Kafka stops acknowledging (one WARN) and when it acknowledges again (one INFO, with how
 * long and how many requests were refused).
 */
class KafkaIntake implements Intake {

    private static final Logger logger = LoggerFactory.getLogger(KafkaIntake.class);

    private final KafkaTemplate<byte[], byte[]> template;

    private final DumpQueue queue;

    private final String topic;

    private final Duration sendTimeout;

    private final CircuitBreaker breaker;

    private final Scheduler sends;

    /** Since when sends have failed (nanoTime), 0 while they succeed. */
    private final AtomicLong failingSince = new AtomicLong();

    private final AtomicLong refusedWhileFailing = new AtomicLong();

    KafkaIntake(KafkaTemplate<byte[], byte[]> template, DumpQueue queue, ForwarderProperties properties,
            CircuitBreaker breaker, Scheduler sends) {
        this.template = template;
        this.breaker = breaker;
        this.sends = sends;
        this.queue = queue;
        this.topic = properties.buffer().kafka().topic();
        this.sendTimeout = properties.buffer().kafka().sendTimeout();
    }

    @Override
    public Mono<Admission> admit(List<Dump> dumps) {
        if (!isOpen()) {
            return Mono.just(Admission.CLOSED);
        }
        long acceptedAt = System.currentTimeMillis();
        // The producer may block while it fetches metadata or waits for buffer space:
        // never on an event loop.
        return Flux.fromIterable(dumps)
            .flatMap((dump) -> Mono
                .fromFuture(() -> this.template.send(DumpRecords.record(this.topic, dump, acceptedAt))))
            .then(Mono.just(Admission.ACCEPTED))
            .subscribeOn(this.sends)
            .timeout(this.sendTimeout)
            .transformDeferred(CircuitBreakerOperator.of(this.breaker))
            .onErrorResume((error) -> {
                logger.debug("Dumps not buffered", error);
                return Mono.just(Admission.NOT_BUFFERED);
            })
            .doOnNext(this::note);
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

    /**
     * Never full here: Kafka's producer buffer is bounded, and a send past it times out.
     */
    @Override
    public boolean isFull() {
        return false;
    }

}
