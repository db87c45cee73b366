package io.dumpforwarder.buffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Receipt;
import io.dumpforwarder.trace.DumpTracing;
import io.micrometer.tracing.TraceContext;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A dump as a Kafka record and back: the body as the value, unchanged; its ids, its
 * idempotency key and the time it was accepted as headers. A dead letter is the same
 * record with headers saying why it failed for good, and where it was taken from.
 */
final class DumpRecords {

    static final String KEY = "dump-key";

    static final String UID = "dump-uid";

    static final String TRACE_ID = "dump-trace-id";

    static final String CALLER = "dump-caller";

    static final String ACCEPTED_AT = "dump-accepted-at";

    static final String OUTCOME = "dump-outcome";

    static final String STATUS = "dump-status";

    static final String DETAIL = "dump-detail";

    static final String ATTEMPTS = "dump-attempts";

    static final String DEAD_LETTERED_AT = "dump-dead-lettered-at";

    static final String SOURCE_TOPIC = "dump-source-topic";

    static final String SOURCE_PARTITION = "dump-source-partition";

    static final String SOURCE_OFFSET = "dump-source-offset";

    /** What a dead letter says about its last failure, replaced when it fails again. */
    private static final List<String> FAILURE = List.of(OUTCOME, STATUS, DETAIL, ATTEMPTS, DEAD_LETTERED_AT);

    private static final TextMapGetter<ConsumerRecord<byte[], byte[]>> TRACE_HEADERS = new TextMapGetter<>() {

        @Override
        public Iterable<String> keys(ConsumerRecord<byte[], byte[]> record) {
            List<String> keys = new ArrayList<>();
            record.headers().forEach((header) -> keys.add(header.key()));
            return keys;
        }

        @Override
        public String get(ConsumerRecord<byte[], byte[]> record, String name) {
            return (record != null) ? text(record, name) : null;
        }

    };

    private DumpRecords() {
    }

    static ProducerRecord<byte[], byte[]> record(String topic, Dump dump, long acceptedAtMillis) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, dump.body());
        Headers headers = record.headers();
        headers.add(KEY, utf8(dump.key()));
        headers.add(ACCEPTED_AT, utf8(Instant.ofEpochMilli(acceptedAtMillis).toString()));
        if (dump.uid() != null) {
            headers.add(UID, utf8(dump.uid()));
        }
        if (dump.traceId() != null) {
            headers.add(TRACE_ID, utf8(dump.traceId()));
        }
        if (dump.caller() != null) {
            headers.add(CALLER, utf8(dump.caller()));
        }
        // The ingest span, so that the forward's span continues the caller's trace.
        DumpTracing.write(dump.trace(), headers, (carrier, name, value) -> carrier.add(name, utf8(value)));
        return record;
    }

    /**
     * The record as a dead letter in {@code topic}: its value and headers, keyed by the
     * dump's key, with why it failed and, unless it was a dead letter already, where it
     * was taken from.
     * @param attempts the attempts made to deliver it, over every forward
     */
    static ProducerRecord<byte[], byte[]> deadLetter(String topic, ConsumerRecord<byte[], byte[]> source,
            ForwardResult result, int attempts) {
        Headers headers = new RecordHeaders(source.headers().toArray());
        FAILURE.forEach(headers::remove);
        headers.add(OUTCOME, utf8(result.outcome().tag()));
        if (result.status() > 0) {
            headers.add(STATUS, utf8(Integer.toString(result.status())));
        }
        if (result.detail() != null) {
            headers.add(DETAIL, utf8(result.detail()));
        }
        headers.add(ATTEMPTS, utf8(Integer.toString(attempts)));
        headers.add(DEAD_LETTERED_AT, utf8(Instant.now().toString()));
        if (headers.lastHeader(SOURCE_TOPIC) == null) {
            headers.add(SOURCE_TOPIC, utf8(source.topic()));
            headers.add(SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
            headers.add(SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        }
        String key = text(source, KEY);
        return new ProducerRecord<>(topic, null, (key != null) ? utf8(key) : source.key(), source.value(), headers);
    }

    /** Whether the record holds a dump: a tombstone (no value) does not. */
    static boolean holdsADump(ConsumerRecord<byte[], byte[]> record) {
        return record.value() != null;
    }

    /** The attempts a dead letter says were made to deliver it, 0 for another record. */
    static int attempts(ConsumerRecord<byte[], byte[]> record) {
        String attempts = text(record, ATTEMPTS);
        try {
            return (attempts != null) ? Integer.parseInt(attempts) : 0;
        }
        catch (NumberFormatException ex) {
            return 0;
        }
    }

    /**
     * The dump a record holds, its age kept: {@code receivedNanos} is set back by the
     * time since it was accepted.
     */
    static Dump dump(ConsumerRecord<byte[], byte[]> record, Receipt receipt) {
        long ageMillis = Math.max(0, System.currentTimeMillis() - acceptedAt(record));
        return dump(record, receipt, System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis));
    }

    /**
     * The dump a record holds, received at {@code receivedNanos}: a replayed dump's age
     * starts again when it is replayed.
     */
    static Dump dump(ConsumerRecord<byte[], byte[]> record, Receipt receipt, long receivedNanos) {
        String key = text(record, KEY);
        if (key == null) {
            key = record.topic() + "-" + record.partition() + "-" + record.offset();
        }
        TraceContext trace = DumpTracing.read(record, TRACE_HEADERS);
        return new Dump(record.value(), text(record, UID), text(record, TRACE_ID), trace, receivedNanos, key, receipt,
                text(record, CALLER));
    }

    /**
     * When the record's dump was accepted, in epoch milliseconds: an ISO-8601 instant, or
     * (as older versions wrote it) eight bytes of epoch milliseconds; else the record's
     * timestamp.
     */
    static long acceptedAt(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(ACCEPTED_AT);
        if (header == null) {
            return record.timestamp();
        }
        if (header.value().length == Long.BYTES) {
            return ByteBuffer.wrap(header.value()).getLong();
        }
        try {
            return Instant.parse(new String(header.value(), StandardCharsets.UTF_8)).toEpochMilli();
        }
        catch (DateTimeParseException ex) {
            return record.timestamp();
        }
    }

    private static String text(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

}
