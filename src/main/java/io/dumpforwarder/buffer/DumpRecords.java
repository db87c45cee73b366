package io.dumpforwarder.buffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.Receipt;
import io.dumpforwarder.trace.DumpTracing;
import io.micrometer.tracing.TraceContext;
import io.opentelemetry.context.propagation.TextMapGetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A dump as a Kafka record and back: the body as the value, unchanged; its ids, its
 * idempotency key and the time it was accepted as headers.
 */
final class DumpRecords {

    static final String KEY = "dump-key";

    static final String UID = "dump-uid";

    static final String TRACE_ID = "dump-trace-id";

    static final String CALLER = "dump-caller";

    static final String ACCEPTED_AT = "dump-accepted-at";

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
        headers.add(ACCEPTED_AT, ByteBuffer.allocate(Long.BYTES).putLong(acceptedAtMillis).array());
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
     * The dump a record holds, its age kept: {@code receivedNanos} is set back by the
     * time since it was accepted.
     */
    static Dump dump(ConsumerRecord<byte[], byte[]> record, Receipt receipt) {
        long ageMillis = Math.max(0, System.currentTimeMillis() - acceptedAt(record));
        long receivedNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis);
        String key = text(record, KEY);
        if (key == null) {
            key = record.topic() + "-" + record.partition() + "-" + record.offset();
        }
        TraceContext trace = DumpTracing.read(record, TRACE_HEADERS);
        return new Dump(record.value(), text(record, UID), text(record, TRACE_ID), trace, receivedNanos, key, receipt,
                text(record, CALLER));
    }

    /** When the record's dump was accepted, in epoch milliseconds. */
    static long acceptedAt(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(ACCEPTED_AT);
        return (header != null && header.value().length == Long.BYTES) ? ByteBuffer.wrap(header.value()).getLong()
                : record.timestamp();
    }

    private static String text(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

}
