package io.dumpforwarder.buffer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Intake.Admission;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.dump.Receipt;
import io.dumpforwarder.queue.DumpQueue;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One replay: reads records of a topic on a thread of its own and puts their dumps in the
 * in-memory queue, beside the source's, at most {@code rate} a second and
 * {@link #MAX_UNSETTLED} not yet settled, so it runs beside normal forwarding through the
 * same limits, breaker and accounting. Each dump keeps its key (the collector's
 * {@code Idempotency-Key}) and starts a new max age. A dump whose forward did not settle
 * it is put back after the redelivery backoff; one that fails for good is written to the
 * dead-letter topic again.
 * <p>
 * From the dead letters, it reads in a consumer group of its own from where the last
 * replay left off up to the end the topic had when it started, and commits each record
 * once it is settled, in partition order: a dead letter replayed is not replayed again.
 * From the buffer, it reads the records accepted from {@code since} up to {@code until}
 * (or up to the end the topic had when it started), and commits nothing: the buffer's own
 * group is untouched.
 */
final class Replay {

    private static final Logger logger = LoggerFactory.getLogger(Replay.class);

    static final int MAX_UNSETTLED = 1_000;

    private static final Duration POLL = Duration.ofMillis(200);

    /** Where a replay reads from. */
    enum Source {

        /** {@code forwarder.buffer.kafka.dead-letter-topic}. */
        DEAD_LETTERS("dead-letters"),

        /** {@code forwarder.buffer.kafka.topic}. */
        BUFFER("buffer");

        private final String word;

        Source(String word) {
            this.word = word;
        }

        String word() {
            return this.word;
        }

        static @Nullable Source of(String word) {
            for (Source source : values()) {
                if (source.word.equals(word)) {
                    return source;
                }
            }
            return null;
        }

    }

    /** What the replay does now. */
    enum State {

        RUNNING, DONE, STOPPED, FAILED

    }

    private final String id = UUID.randomUUID().toString();

    private final Source source;

    private final String topic;

    private final @Nullable Instant since;

    private final @Nullable Instant until;

    private final Consumer<byte[], byte[]> consumer;

    private final DumpQueue queue;

    private final DeadLetters deadLetters;

    private final ReplayMeters meters;

    private final Duration redeliveryBackoff;

    private final Bucket pace;

    private final Semaphore unsettled = new Semaphore(MAX_UNSETTLED);

    private final Instant started = Instant.now();

    private final AtomicLong read = new AtomicLong();

    private final AtomicLong skipped = new AtomicLong();

    private final Map<Outcome, AtomicLong> outcomes = new ConcurrentHashMap<>();

    /** Records read and not yet committed, in order, by partition (dead letters only). */
    private final Map<TopicPartition, ArrayDeque<Replayed>> uncommitted = new HashMap<>();

    private volatile State state = State.RUNNING;

    private volatile boolean stopped;

    private volatile @Nullable Instant ended;

    private volatile @Nullable String error;

    Replay(Source source, String topic, @Nullable Instant since, @Nullable Instant until,
            Consumer<byte[], byte[]> consumer, DumpQueue queue, DeadLetters deadLetters, ReplayMeters meters, int rate,
            Duration redeliveryBackoff) {
        this.source = source;
        this.topic = topic;
        this.since = since;
        this.until = until;
        this.consumer = consumer;
        this.queue = queue;
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.redeliveryBackoff = redeliveryBackoff;
        this.pace = Bucket.builder()
            .addLimit(Bandwidth.builder().capacity(rate).refillGreedy(rate, Duration.ofSeconds(1)).build())
            .build();
    }

    String id() {
        return this.id;
    }

    Source source() {
        return this.source;
    }

    boolean isRunning() {
        return this.state == State.RUNNING;
    }

    /** Starts reading on a thread of its own. */
    void start() {
        Thread thread = new Thread(this::run, "dump-forwarder-replay-" + this.source.word());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stops reading; dumps already in the queue are still forwarded, and for the dead
     * letters committed once settled.
     */
    void stop() {
        this.stopped = true;
        // Ends a poll, a commit or a lookup the broker holds.
        this.consumer.wakeup();
    }

    private void run() {
        this.meters.running(this.source, 1);
        try (this.consumer) {
            List<TopicPartition> partitions = this.consumer.partitionsFor(this.topic)
                .stream()
                .map((info) -> new TopicPartition(this.topic, info.partition()))
                .toList();
            this.consumer.assign(partitions);
            try {
                readAndSettle(partitions);
            }
            catch (WakeupException ex) {
                // Stopped while the broker held a poll, a lookup or a commit.
            }
            // What settled is committed; what has not stays for the next replay.
            commitSettled();
            boolean whole = !this.stopped && this.queue.isOpen();
            this.state = whole ? State.DONE : State.STOPPED;
            if (whole) {
                this.unsettled.release(MAX_UNSETTLED);
            }
        }
        catch (WakeupException ex) {
            // Stopped again while committing.
            this.state = State.STOPPED;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.state = State.STOPPED;
        }
        catch (RuntimeException ex) {
            logger.warn("Replay {} from the {} failed", this.id, this.source.word(), ex);
            this.error = ex.toString();
            this.state = State.FAILED;
        }
        finally {
            this.ended = Instant.now();
            this.meters.running(this.source, 0);
            logger.atInfo()
                .addKeyValue("replay", this.id)
                .log("Replay {} from the {} ended {}: {} records read, outcomes {}", this.id, this.source.word(),
                        this.state.name().toLowerCase(), this.read.get(), outcomes());
        }
    }

    /**
     * Reads up to where the replay ends, then waits for what was taken to settle, while
     * the replay is not stopped and the pipeline takes dumps.
     */
    private void readAndSettle(List<TopicPartition> partitions) throws InterruptedException {
        Map<TopicPartition, Long> ends = positionAtStart(partitions);
        while (!this.stopped && this.queue.isOpen()
                && partitions.stream().anyMatch((p) -> this.consumer.position(p) < ends.get(p))) {
            for (ConsumerRecord<byte[], byte[]> record : this.consumer.poll(POLL)) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (record.offset() < ends.get(partition) && !this.stopped) {
                    replay(record, partition);
                }
            }
            commitSettled();
        }
        while (!this.stopped && this.queue.isOpen()
                && !this.unsettled.tryAcquire(MAX_UNSETTLED, POLL.toMillis(), TimeUnit.MILLISECONDS)) {
            commitSettled();
        }
    }

    /**
     * Seeks each partition to where the replay starts, and returns where it ends: the
     * partition's end now, or the first offset accepted at {@code until} or later.
     */
    private Map<TopicPartition, Long> positionAtStart(List<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = new HashMap<>(this.consumer.endOffsets(partitions));
        if (this.source == Source.DEAD_LETTERS) {
            Map<TopicPartition, OffsetAndMetadata> committed = this.consumer.committed(Set.copyOf(partitions));
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata last = committed.get(partition);
                if (last != null) {
                    this.consumer.seek(partition, last.offset());
                }
                else {
                    this.consumer.seekToBeginning(List.of(partition));
                }
            }
            return ends;
        }
        Map<TopicPartition, OffsetAndTimestamp> from = this.consumer.offsetsForTimes(at(partitions, this.since));
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp first = from.get(partition);
            this.consumer.seek(partition, (first != null) ? first.offset() : ends.get(partition));
        }
        if (this.until != null) {
            this.consumer.offsetsForTimes(at(partitions, this.until)).forEach((partition, first) -> {
                if (first != null) {
                    ends.put(partition, first.offset());
                }
            });
        }
        return ends;
    }

    private static Map<TopicPartition, Long> at(List<TopicPartition> partitions, Instant instant) {
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach((partition) -> times.put(partition, instant.toEpochMilli()));
        return times;
    }

    private void replay(ConsumerRecord<byte[], byte[]> record, TopicPartition partition) throws InterruptedException {
        this.read.incrementAndGet();
        this.meters.read(this.source);
        boolean skip = !DumpRecords.holdsADump(record)
                || (this.source == Source.BUFFER && !isWithin(DumpRecords.acceptedAt(record)));
        if (!acquire()) {
            return;
        }
        Replayed replayed = new Replayed(record, skip);
        if (this.source == Source.DEAD_LETTERS) {
            this.uncommitted.computeIfAbsent(partition, (p) -> new ArrayDeque<>()).add(replayed);
        }
        if (skip) {
            // A tombstone, or accepted outside the span though its timestamp is within
            // (a send that waited).
            this.skipped.incrementAndGet();
            replayed.settle();
            return;
        }
        this.pace.asBlocking().consume(1);
        replayed.take();
    }

    /** A permit to hold one more record, waiting for it while the replay runs. */
    private boolean acquire() throws InterruptedException {
        while (!this.stopped && this.queue.isOpen()) {
            if (this.unsettled.tryAcquire(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            commitSettled();
        }
        return false;
    }

    private boolean isWithin(long acceptedAt) {
        return (this.since == null || acceptedAt >= this.since.toEpochMilli())
                && (this.until == null || acceptedAt < this.until.toEpochMilli());
    }

    /** Commits, partition by partition, up to the first dead letter not yet settled. */
    private void commitSettled() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        this.uncommitted.forEach((partition, records) -> {
            Replayed first = records.peek();
            long next = -1;
            while (first != null && first.settled) {
                next = first.record.offset() + 1;
                records.poll();
                this.unsettled.release();
                first = records.peek();
            }
            if (next >= 0) {
                offsets.put(partition, new OffsetAndMetadata(next));
            }
        });
        if (!offsets.isEmpty()) {
            this.consumer.commitSync(offsets);
        }
    }

    private Map<String, Long> outcomes() {
        Map<String, Long> counts = new TreeMap<>();
        this.outcomes.forEach((outcome, count) -> counts.put(outcome.tag(), count.get()));
        return counts;
    }

    /** What the replay did so far, as {@code GET /actuator/replay} lists it. */
    Progress progress() {
        return new Progress(this.id, this.source.word(), this.since, this.until, this.state.name().toLowerCase(),
                this.started, this.ended, this.read.get(), this.skipped.get(),
                MAX_UNSETTLED - this.unsettled.availablePermits(), outcomes(), this.error);
    }

    /**
     * A replay's progress.
     *
     * @param id the replay's id
     * @param from where it reads: {@code dead-letters} or {@code buffer}
     * @param since the first acceptance replayed from the buffer
     * @param until the acceptance the replay from the buffer stops before
     * @param state {@code running}, {@code done}, {@code stopped} or {@code failed}
     * @param started when it started
     * @param ended when it ended
     * @param read records read
     * @param skipped records read but accepted outside {@code since}-{@code until}
     * @param unsettled records read and held: not yet settled, or for dead letters not
     * yet committed
     * @param outcomes settled dumps by final outcome ({@code success} is delivered)
     * @param error why it failed
     */
    record Progress(String id, String from, @Nullable Instant since, @Nullable Instant until, String state,
            Instant started, @Nullable Instant ended, long read, long skipped, long unsettled,
            Map<String, Long> outcomes, @Nullable String error) {
    }

    /** One replayed dump, until its outcome is final. */
    private final class Replayed implements Receipt {

        private final ConsumerRecord<byte[], byte[]> record;

        private final @Nullable Dump dump;

        private int attempts;

        private volatile boolean settled;

        Replayed(ConsumerRecord<byte[], byte[]> record, boolean skip) {
            this.record = record;
            this.dump = skip ? null : DumpRecords.dump(record, this, System.nanoTime());
            this.attempts = DumpRecords.attempts(record);
        }

        /** Settled without a forward: a record skipped. */
        void settle() {
            this.settled = true;
            if (Replay.this.source == Source.BUFFER) {
                Replay.this.unsettled.release();
            }
        }

        /**
         * Puts the dump in the queue, now or, when it does not fit, after a backoff; once
         * the replay is stopped, not again: the dump stays for the next replay.
         */
        void take() {
            if (Replay.this.stopped) {
                end(Outcome.SHUTDOWN, false);
                return;
            }
            Admission admission = Replay.this.queue.offer(List.of(this.dump));
            if (admission == Admission.CLOSED) {
                end(Outcome.SHUTDOWN, false);
            }
            else if (admission != Admission.ACCEPTED) {
                later(this::take);
            }
        }

        @Override
        public boolean settled(ForwardResult result) {
            this.attempts += result.attempts();
            if (result.outcome() == Outcome.SHUTDOWN) {
                end(Outcome.SHUTDOWN, false);
                return false;
            }
            if (!result.isFinal()) {
                later(this::take);
                return false;
            }
            if (Replay.this.deadLetters.takes(result)) {
                deadLetter(result);
            }
            else {
                end(result.outcome(), true);
            }
            return true;
        }

        private void deadLetter(ForwardResult result) {
            Replay.this.deadLetters.write(this.record, result, this.attempts)
                .subscribe(null, (failed) -> later(() -> deadLetter(result)), () -> end(result.outcome(), true));
        }

        /**
         * Counts the outcome; a dead letter's permit is given back once it is committed,
         * so that one not settled holds the replay back (as a gap holds the commits)
         * instead of letting what it holds grow.
         */
        private void end(Outcome outcome, boolean settled) {
            Replay.this.outcomes.computeIfAbsent(outcome, (key) -> new AtomicLong()).incrementAndGet();
            Replay.this.meters.replayed(Replay.this.source, outcome);
            this.settled = settled;
            if (Replay.this.source == Source.BUFFER) {
                Replay.this.unsettled.release();
            }
        }

        private void later(Runnable action) {
            Mono.delay(Replay.this.redeliveryBackoff).subscribe((tick) -> action.run());
        }

    }

}
