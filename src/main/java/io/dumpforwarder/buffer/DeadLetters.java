package io.dumpforwarder.buffer;

import java.util.concurrent.CompletableFuture;

import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.kafka.core.KafkaTemplate;

/**
 * Writes dumps that failed for good (refused by the collector, or past the max age) to
 * {@code forwarder.buffer.kafka.dead-letter-topic}, from where a replay sends them again.
 * Writes run on threads of their own, at most {@link #THREADS} blocked in the producer
 * (it may wait for metadata while Kafka is away) and {@link #WAITING} waiting for one: a
 * dead-letter write never holds ingest's sends nor the thread that settles a forward. A
 * write that fails or finds no room fails its {@link Mono}; the dump then stays in the
 * buffer, uncommitted, to be written again.
 */
final class DeadLetters implements AutoCloseable {

    static final int THREADS = 2;

    static final int WAITING = 1_000;

    private final KafkaTemplate<byte[], byte[]> template;

    private final String topic;

    private final Scheduler writes = Schedulers.newBoundedElastic(THREADS, WAITING, "dump-forwarder-dead-letters", 60,
            true);

    private final Counter refused;

    private final Counter expired;

    private final Counter failures;

    DeadLetters(KafkaTemplate<byte[], byte[]> template, BufferProperties.Kafka kafka, MeterRegistry registry) {
        this.template = template;
        this.topic = kafka.deadLetters();
        this.refused = written(registry, Outcome.HTTP_4XX);
        this.expired = written(registry, Outcome.EXPIRED);
        this.failures = Counter.builder("dumps.buffer.dead.letter.failures")
            .description("Dead-letter writes that failed: the dump stays in the buffer, uncommitted, and is written "
                    + "again after forwarder.buffer.kafka.redelivery-backoff")
            .register(registry);
    }

    private static Counter written(MeterRegistry registry, Outcome outcome) {
        return Counter.builder("dumps.buffer.dead.lettered")
            .description("Dumps written to forwarder.buffer.kafka.dead-letter-topic, by their final outcome")
            .tag("outcome", outcome.tag())
            .register(registry);
    }

    /** Whether a dump with this final result goes to the dead-letter topic. */
    boolean takes(ForwardResult result) {
        return this.topic != null && (result.refused() || result.outcome() == Outcome.EXPIRED);
    }

    /**
     * Writes the record as a dead letter; completes once Kafka acknowledged it, fails
     * (counted) otherwise.
     */
    Mono<Void> write(ConsumerRecord<byte[], byte[]> record, ForwardResult result, int attempts) {
        return Mono.fromFuture(() -> send(record, result, attempts))
            .subscribeOn(this.writes)
            .doOnSuccess((sent) -> ((result.outcome() == Outcome.EXPIRED) ? this.expired : this.refused).increment())
            .doOnError((error) -> this.failures.increment())
            .then();
    }

    private CompletableFuture<?> send(ConsumerRecord<byte[], byte[]> record, ForwardResult result, int attempts) {
        return this.template.send(DumpRecords.deadLetter(this.topic, record, result, attempts));
    }

    @Override
    public void close() {
        this.writes.dispose();
    }

}
