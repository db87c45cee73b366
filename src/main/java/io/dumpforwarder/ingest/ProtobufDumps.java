package io.dumpforwarder.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.IngestProperties;
import io.dumpforwarder.config.QueueProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.ingest.NdjsonBody.LineError;
import io.dumpforwarder.protobuf.JsonTooLargeException;
import io.dumpforwarder.protobuf.MalformedProtobufException;
import io.dumpforwarder.protobuf.Transcoded;
import io.dumpforwarder.protobuf.Transcoder;

import org.springframework.stereotype.Component;

/**
 * Protobuf dumps ({@code forwarder.ingest.protobuf.*}): one message, or a stream of them
 * each after its length as a varint (protobuf's own {@code writeDelimitedTo}), each
 * forwarded as the JSON the callers' Go code sends. The descriptor is read once, at
 * start-up; off, {@link #enabled()} is false.
 */
@Component
class ProtobufDumps {

    private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(ProtobufDumps.class);

    private final Transcoder transcoder;

    /** Messages a stream may hold: a request is queued whole or not at all. */
    private final int maxMessages;

    /** The longest a message's JSON may be: forwarder.max-dump-size. */
    private final int maxDumpSize;

    ProtobufDumps(ForwarderProperties properties, IngestProperties ingest, QueueProperties queue) {
        this.maxMessages = queue.capacity();
        this.maxDumpSize = Math.toIntExact(properties.maxDumpSize().toBytes());
        IngestProperties.Protobuf protobuf = ingest.protobuf();
        if (!protobuf.enabled()) {
            this.transcoder = null;
            return;
        }
        try {
            this.transcoder = Transcoder.load(protobuf.descriptorSet(), protobuf.messageType(), protobuf.uidField(),
                    protobuf.traceIdField());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(
                    "forwarder.ingest.protobuf.descriptor-set cannot be read: " + protobuf.descriptorSet(), ex);
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalStateException("forwarder.ingest.protobuf: " + ex.getMessage(), ex);
        }
        if (!this.transcoder.readsUid()) {
            logger.warn(
                    "forwarder.ingest.protobuf.uid-field {} names no field of {}: protobuf dumps go without " + "X-Uid",
                    protobuf.uidField(), protobuf.messageType());
        }
        if (!this.transcoder.readsTraceId()) {
            logger.warn(
                    "forwarder.ingest.protobuf.trace-id-field {} names no field of {}: protobuf dumps go "
                            + "without X-Trace-Id unless the caller sends a traceparent",
                    protobuf.traceIdField(), protobuf.messageType());
        }
    }

    boolean enabled() {
        return this.transcoder != null;
    }

    /**
     * The dump of the message in {@code body[start, stop)}; throws
     * {@link InvalidDumpException} saying what is wrong and at which byte, or
     * {@link TooLargeException} as soon as its JSON passes forwarder.max-dump-size.
     */
    Dump dump(byte[] body, int start, int stop, RequestIds caller, long receivedNanos, int message) {
        Transcoded transcoded;
        try {
            transcoded = this.transcoder.transcode(body, start, stop - start, this.maxDumpSize);
        }
        catch (MalformedProtobufException ex) {
            throw new InvalidDumpException(ex.getMessage());
        }
        catch (JsonTooLargeException ex) {
            throw new TooLargeException(
                    "message's JSON is over the limit of " + ex.limit() + " bytes (forwarder.max-dump-size)");
        }
        String traceId = (caller.traceId() != null) ? caller.traceId() : DumpReader.headerSafe(transcoded.traceId());
        return new Dump(transcoded.json(), DumpReader.headerSafe(transcoded.uid()), traceId, caller.trace(),
                receivedNanos, caller.keyOf(message), null, caller.caller());
    }

    /**
     * The dumps and refused messages of a stream of length-delimited messages, each
     * judged on its own as an NDJSON line is ({@code line} is the message's 1-based
     * position); a length that runs past the body ends the stream with an error.
     */
    NdjsonBody stream(byte[] body, RequestIds caller, long receivedNanos) {
        List<Dump> dumps = new ArrayList<>();
        List<LineError> errors = new ArrayList<>();
        int messages = count(body);
        if (messages > this.maxMessages) {
            // A message can be a single byte: refused before any is read, not as
            // millions.
            errors.add(new LineError(1, IngestOutcome.TOO_LARGE, "the body holds " + messages
                    + " messages or more, over the " + this.maxMessages + " a request may (forwarder.queue.capacity)"));
            return new NdjsonBody(dumps, errors);
        }
        int number = 0;
        int at = 0;
        while (at < body.length) {
            number++;
            int start = at;
            long prefix = prefix(body, at);
            at += (int) (prefix & 0xFF);
            long length = prefix >> 8;
            if (prefix < 0 || length > body.length - at) {
                errors.add(new LineError(number, IngestOutcome.INVALID, "message " + number + " at byte " + start
                        + " is cut off: its length prefix runs past the body's " + body.length + " bytes"));
                break;
            }
            int stop = at + (int) length;
            if (length > this.maxDumpSize) {
                errors.add(new LineError(number, IngestOutcome.TOO_LARGE,
                        "message of " + length + " bytes is over the limit of " + this.maxDumpSize + " bytes"));
            }
            else {
                try {
                    dumps.add(dump(body, at, stop, caller, receivedNanos, number));
                }
                catch (InvalidDumpException ex) {
                    errors.add(new LineError(number, IngestOutcome.INVALID, ex.getMessage()));
                }
                catch (TooLargeException ex) {
                    errors.add(new LineError(number, IngestOutcome.TOO_LARGE, ex.getMessage()));
                }
            }
            at = stop;
        }
        return new NdjsonBody(dumps, errors);
    }

    /**
     * The messages in the stream, counted by their length prefixes, up to one past the
     * cap; a prefix that is cut off or too large counts as the last.
     */
    private int count(byte[] body) {
        int messages = 0;
        for (int at = 0; at < body.length && messages <= this.maxMessages;) {
            messages++;
            long prefix = prefix(body, at);
            if (prefix < 0) {
                break;
            }
            at += (int) (prefix & 0xFF);
            at += (int) Math.min(prefix >> 8, body.length - at);
        }
        return messages;
    }

    /**
     * The length prefix at {@code at}, a varint of up to ten bytes as protobuf writes and
     * reads it: its value shifted left by 8, ORed with how many bytes it took; -1 when it
     * is cut off or its value is over 2^31-1, the longest a message can be.
     */
    private static long prefix(byte[] body, int at) {
        long length = 0;
        for (int i = 0; i < 10 && at + i < body.length; i++) {
            byte b = body[at + i];
            if (i < 5) {
                length |= (long) (b & 0x7F) << (7 * i);
            }
            else if ((b & 0x7F) != 0) {
                return -1;
            }
            if (b >= 0) {
                return (length > Integer.MAX_VALUE) ? -1 : (length << 8) | (i + 1);
            }
        }
        return -1;
    }

    /** A message whose JSON is longer than forwarder.max-dump-size. */
    static final class TooLargeException extends RuntimeException {

        TooLargeException(String message) {
            super(message, null, false, false);
        }

    }

}
