package io.dumpforwarder.buffer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.dumpforwarder.config.LogProperties;
import io.dumpforwarder.config.ShutdownProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.DumpSource;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Intake.Admission;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.dump.Receipt;
import io.dumpforwarder.queue.DumpQueue;
import io.dumpforwarder.util.LogWindow;
import io.dumpforwarder.util.Polling;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.kafka.listener.AcknowledgingMessageListener;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.support.Acknowledgment;

/**
 * The pipeline's source with the Kafka buffer: consumes the topic in the consumer group
 * and holds each dump in the in-memory queue, with a receipt, until the pipeline takes
 * it. Told what became of it, the receipt commits the dump's offset once its outcome is
 * final (delivered, refused for good, expired), in partition order (Spring Kafka's
 * out-of-order acknowledgements: a gap holds the commit back); any other outcome keeps
 * the dump, which is forwarded again after
 * {@code forwarder.buffer.kafka.redelivery-backoff}. Uncommitted dumps are delivered
 * again after a crash, a restart or a rebalance (at least once).
 * <p>
 * The consumer never blocks its poll loop: the container pauses itself until the records
 * of a poll are all committed, and while the breaker is open its partitions are paused
 * too. At shutdown the container pauses, the dumps taken drain for at most the drain
 * timeout, and the container stops; what did not settle stays in Kafka.
 * {@link KafkaSourceLifecycle} starts and stops it with the application.
 */
class KafkaSource implements DumpSource, AcknowledgingMessageListener<byte[], byte[]> {

    private static final Logger logger = LoggerFactory.getLogger(KafkaSource.class);

    private final MessageListenerContainer container;

    private final DumpQueue queue;

    private final DeadLetters deadLetters;

    private final Duration redeliveryBackoff;

    private final Duration drainTimeout;

    /** Every dump taken and not yet final here, with the time it was accepted. */
    private final Map<Pending, Long> pending = new ConcurrentHashMap<>();

    private final Counter notDumps;

    /** Dumps kept to be forwarded again, by the outcome of the forward that ended. */
    private final Map<Outcome, Counter> kept = new EnumMap<>(Outcome.class);

    /** Lines about dead letters not written, a few a second at most. */
    private final LogWindow unwritten;

    private final TopicCheck topics;

    private volatile boolean stopping;

    private volatile Disposable starting = () -> {
    };

    KafkaSource(MessageListenerContainer container, DumpQueue queue, DeadLetters deadLetters, TopicCheck topics,
            BufferProperties.Kafka kafka, LogProperties log, ShutdownProperties shutdown, MeterRegistry registry) {
        this.container = container;
        this.topics = topics;
        this.queue = queue;
        this.deadLetters = deadLetters;
        this.unwritten = new LogWindow(log.failuresPerSecond());
        this.redeliveryBackoff = kafka.redeliveryBackoff();
        this.drainTimeout = shutdown.drainTimeout();
        for (Outcome outcome : Outcome.values()) {
            this.kept.put(outcome,
                    Counter.builder("dumps.buffer.kept")
                        .description("Forwards of Kafka-buffered dumps that ended but did not settle them: "
                                + "the dump stays in the topic and is forwarded again")
                        .tag("outcome", outcome.tag())
                        .register(registry));
        }
        ContainerProperties containerProperties = container.getContainerProperties();
        containerProperties.setAckMode(ContainerProperties.AckMode.MANUAL);
        containerProperties.setAsyncAcks(true);
        container.setupMessageListener(this);
        container.setAutoStartup(false);
        this.notDumps = Counter.builder("dumps.buffer.not.dumps")
            .description("Records of the buffer's topic without a value (tombstones), committed without a forward")
            .register(registry);
        Gauge.builder("dumps.buffer.unsettled", this.pending, Map::size)
            .description("Dumps taken from Kafka by this pod and not yet final (their offsets not committed)")
            .register(registry);
        Gauge.builder("dumps.buffer.oldest.age", this, KafkaSource::oldestAgeSeconds)
            .description("Age since acceptance of the oldest dump this pod took from Kafka and has not settled")
            .baseUnit("seconds")
            .register(registry);
        double maxAge = kafka.maxAge().toMillis() / 1000.0;
        Gauge.builder("dumps.buffer.max.age", () -> maxAge)
            .description("Age past which a dump is dropped as expired (forwarder.buffer.kafka.max-age)")
            .baseUnit("seconds")
            .register(registry);
        Gauge.builder("dumps.buffer.paused", this, (source) -> source.isPaused() ? 1 : 0)
            .description("1 while this pod takes no dumps from Kafka: the breaker is open, or it is shutting down")
            .register(registry);
    }

    @Override
    public void onMessage(ConsumerRecord<byte[], byte[]> record, Acknowledgment acknowledgment) {
        if (!DumpRecords.holdsADump(record)) {
            // A tombstone, or a record some other producer wrote: nothing to forward.
            this.notDumps.increment();
            acknowledgment.acknowledge();
            return;
        }
        Pending receipt = new Pending(record, acknowledgment);
        this.pending.put(receipt, DumpRecords.acceptedAt(record));
        receipt.take(DumpRecords.dump(record, receipt));
    }

    @Override
    public Flux<Dump> dumps() {
        return this.queue.dumps();
    }

    /**
     * Commits the dumps whose outcome is final (through the dead-letter topic when it
     * takes them) and keeps the others, to be forwarded again after the backoff; at
     * shutdown, leaves them to the next consumer.
     */
    @Override
    public List<Dump> settled(List<Dump> dumps, ForwardResult result) {
        this.queue.settled(dumps, result);
        List<Dump> settled = new ArrayList<>(dumps.size());
        for (Dump dump : dumps) {
            if (dump.receipt().settled(result)) {
                settled.add(dump);
            }
        }
        if (settled.size() < dumps.size()) {
            this.kept.get(result.outcome()).increment(dumps.size() - settled.size());
        }
        return settled;
    }

    @Override
    public long waiting() {
        return this.queue.waiting();
    }

    @Override
    public void open() {
        this.queue.open();
    }

    @Override
    public void close() {
        this.queue.close();
    }

    /** Pauses consumption, without leaving the group: no new dumps are taken. */
    void pause() {
        this.container.pause();
    }

    /** Takes dumps again. */
    void resume() {
        if (!this.stopping) {
            this.container.resume();
        }
    }

    boolean isPaused() {
        return this.container.isPauseRequested();
    }

    private double oldestAgeSeconds() {
        long now = System.currentTimeMillis();
        long oldest = now;
        for (long acceptedAt : this.pending.values()) {
            oldest = Math.min(oldest, acceptedAt);
        }
        return (now - oldest) / 1000.0;
    }

    /** Starts consuming once the topics were found; a consumer before would fail. */
    void consume() {
        this.starting = this.topics.whenFound().subscribe(null, null, () -> {
            if (!this.stopping) {
                this.container.start();
            }
        });
    }

    /**
     * Pauses, lets what was taken settle for at most the drain timeout (forwarded again
     * meanwhile if need be), then stops the container, which commits what was
     * acknowledged; then runs {@code done}.
     */
    void drain(Runnable done) {
        this.stopping = true;
        this.starting.dispose();
        this.container.pause();
        Polling.until(this.pending::isEmpty).timeout(this.drainTimeout, Mono.just(0L)).doFinally((signal) -> {
            if (!this.pending.isEmpty()) {
                logger.info("{} dumps not settled at shutdown stay in Kafka for another consumer", this.pending.size());
            }
            this.container.stop(done);
        }).subscribe();
    }

    /** One record taken from Kafka and not yet final. */
    private final class Pending implements Receipt {

        private final ConsumerRecord<byte[], byte[]> record;

        private final Acknowledgment acknowledgment;

        private Dump dump;

        /** Attempts made over every forward of the dump. */
        private int attempts;

        Pending(ConsumerRecord<byte[], byte[]> record, Acknowledgment acknowledgment) {
            this.record = record;
            this.acknowledgment = acknowledgment;
        }

        /** Puts the dump in the queue, now or, when it does not fit, after a backoff. */
        void take(Dump dump) {
            this.dump = dump;
            Admission admission = KafkaSource.this.queue.offer(List.of(dump));
            if (admission == Admission.ACCEPTED) {
                return;
            }
            if (KafkaSource.this.stopping && admission == Admission.CLOSED) {
                // Shutting down: left uncommitted, for the next consumer.
                KafkaSource.this.pending.remove(this);
                return;
            }
            later(() -> take(dump));
        }

        @Override
        public boolean settled(ForwardResult result) {
            this.attempts += result.attempts();
            if (result.outcome() == Outcome.SHUTDOWN) {
                KafkaSource.this.pending.remove(this);
                return false;
            }
            if (!result.isFinal()) {
                later(() -> take(this.dump));
                return false;
            }
            if (KafkaSource.this.deadLetters.takes(result)) {
                deadLetter(result);
            }
            else {
                commit();
            }
            return true;
        }

        /** Commits once the dead letter is written; until then the dump stays. */
        private void deadLetter(ForwardResult result) {
            KafkaSource.this.deadLetters.write(this.record, result, this.attempts).subscribe(null, (error) -> {
                long suppressed = KafkaSource.this.unwritten.tryAcquire();
                if (suppressed >= 0) {
                    logger.warn(
                            "Dump {} not written to forwarder.buffer.kafka.dead-letter-topic ({}); it stays in the "
                                    + "buffer, to be written again; {} similar lines suppressed since the last one",
                            this.dump.key(), error.toString(), suppressed);
                }
                later(() -> deadLetter(result));
            }, this::commit);
        }

        private void commit() {
            this.acknowledgment.acknowledge();
            KafkaSource.this.pending.remove(this);
        }

        private void later(Runnable action) {
            Mono.delay(KafkaSource.this.redeliveryBackoff).subscribe((tick) -> action.run());
        }

    }

}
