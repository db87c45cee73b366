package io.dumpforwarder.ingest;

import java.util.Arrays;

import io.dumpforwarder.body.Utf8;
import io.dumpforwarder.dump.Dump;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;

/**
 * Checks that bytes hold exactly one JSON object in strict UTF-8 ({@link Utf8}), with
 * Jackson's streaming parser and its default nesting, length and number limits, and picks
 * the top-level {@code uid} and {@code traceId} on the way: when a key is given twice,
 * its last value, as most JSON readers keep. Nothing is built into a tree and the bytes
 * are not changed.
 */
final class DumpReader {

    /**
     * Longest uid or trace id taken into logs and headers; longer values are left out.
     */
    static final int MAX_ID_LENGTH = 128;

    /**
     * Its buffers recycled per thread: dumps are read on the event loops, platform
     * threads, where Jackson's default pool (a concurrent deque, safe for virtual
     * threads) costs a contended poll and offer per dump.
     */
    private static final JsonFactory json = JsonFactory.builder()
        .recyclerPool(JsonRecyclerPools.threadLocalPool())
        .build();

    private DumpReader() {
    }

    /**
     * The dump in {@code body[start, stop)}, its bytes copied unchanged; throws
     * {@link InvalidDumpException} saying what is wrong otherwise. A trace id from the
     * caller's headers wins over the dump's own; its idempotency key is the caller's for
     * {@code line} (0 for a JSON body, the line's number in an NDJSON one).
     */
    static Dump dump(byte[] body, int start, int stop, RequestIds caller, long receivedNanos, int line) {
        Ids ids = read(body, start, stop - start);
        byte[] bytes = (start == 0 && stop == body.length) ? body : Arrays.copyOfRange(body, start, stop);
        String traceId = (caller.traceId() != null) ? caller.traceId() : ids.traceId();
        return new Dump(bytes, ids.uid(), traceId, caller.trace(), receivedNanos, caller.keyOf(line), null,
                caller.caller());
    }

    /**
     * The dump's identifiers; throws {@link InvalidDumpException} saying what is wrong
     * otherwise.
     */
    static Ids read(byte[] bytes, int offset, int length) {
        int invalid = Utf8.firstInvalid(bytes, offset, offset + length);
        if (invalid >= 0) {
            throw new InvalidDumpException(notUtf8(bytes[invalid], invalid - offset));
        }
        String uid = null;
        String traceId = null;
        try (JsonParser parser = json.createParser(ObjectReadContext.empty(), bytes, offset, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidDumpException("a dump must be a JSON object");
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value.isStructStart()) {
                    parser.skipChildren();
                }
                else if ("uid".equals(name)) {
                    uid = id(parser, value);
                }
                else if ("traceId".equals(name)) {
                    traceId = id(parser, value);
                }
            }
            if (parser.nextToken() != null) {
                throw new InvalidDumpException(
                        "unexpected content after the JSON object at " + where(parser.currentLocation()));
            }
        }
        catch (JacksonException ex) {
            throw new InvalidDumpException("malformed JSON at " + where(ex.getLocation()) + ": " + reason(ex));
        }
        return new Ids(uid, traceId);
    }

    private static String notUtf8(byte invalid, int offset) {
        String what = (invalid == 0) ? "a NUL byte" : String.format("byte 0x%02X", invalid & 0xff);
        return "not UTF-8: " + what + " at offset " + offset
                + " (JSON must be UTF-8, RFC 8259 8.1: no UTF-16 or UTF-32, no overlong forms or surrogates)";
    }

    /**
     * A scalar identifier as written in the dump (numbers keep every digit), if it is
     * safe as a header.
     */
    private static String id(JsonParser parser, JsonToken value) {
        if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NUMBER_INT) {
            return null;
        }
        return headerSafe(parser.getString());
    }

    /**
     * The value if it is 1 to 128 visible ASCII characters, so it can go into a log line
     * and a header.
     */
    static String headerSafe(String value) {
        return headerSafe(value, MAX_ID_LENGTH);
    }

    /** The value if it is 1 to {@code maxLength} visible ASCII characters, else null. */
    static String headerSafe(String value, int maxLength) {
        if (value == null || value.isEmpty() || value.length() > maxLength) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return null;
            }
        }
        return value;
    }

    /**
     * Jackson's message without its source-location suffixes, which only say that the
     * source is hidden.
     */
    private static String reason(JacksonException ex) {
        String message = String.valueOf(ex.getOriginalMessage());
        int cut = message.indexOf(" (start marker at");
        return (cut >= 0) ? message.substring(0, cut) : message;
    }

    private static String where(TokenStreamLocation location) {
        return (location != null) ? "line " + location.getLineNr() + ", column " + location.getColumnNr()
                : "unknown position";
    }

    /**
     * The identifiers of a dump.
     *
     * @param uid the top-level {@code uid}, or {@code null}
     * @param traceId the top-level {@code traceId}, or {@code null}
     */
    record Ids(String uid, String traceId) {
    }

}
