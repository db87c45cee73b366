package io.dumpforwarder.ingest;

import java.util.Arrays;

import io.dumpforwarder.dump.Dump;

/**
 * Takes a dump that holds exactly one JSON object in strict UTF-8, as {@link JsonCheck}
 * checks it in one pass (with Jackson's verdict and its default nesting, length and
 * number limits), with its top-level {@code uid} and {@code traceId}: when a key is given
 * twice, its last value, as most JSON readers keep. Nothing is built into a tree and the
 * bytes are not changed.
 */
final class DumpReader {

    /**
     * Longest uid or trace id taken into logs and headers; longer values are left out.
     */
    static final int MAX_ID_LENGTH = 128;

    private DumpReader() {
    }

    /**
     * The dump in {@code body[start, stop)}, its bytes copied unchanged; throws
     * {@link InvalidDumpException} saying what is wrong otherwise. A trace id from the
     * caller's headers wins over the dump's own; its idempotency key is the caller's for
     * {@code line} (0 for a JSON body, the line's number in an NDJSON one).
     */
    static Dump dump(byte[] body, int start, int stop, RequestIds caller, long receivedNanos, int line) {
        Ids ids = JsonCheck.read(body, start, stop - start);
        byte[] bytes = (start == 0 && stop == body.length) ? body : Arrays.copyOfRange(body, start, stop);
        String traceId = (caller.traceId() != null) ? caller.traceId() : ids.traceId();
        return new Dump(bytes, ids.uid(), traceId, caller.trace(), receivedNanos, caller.keyOf(line), null,
                caller.caller());
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
     * The identifiers of a dump.
     *
     * @param uid the top-level {@code uid}, or {@code null}
     * @param traceId the top-level {@code traceId}, or {@code null}
     */
    record Ids(String uid, String traceId) {
    }

}
