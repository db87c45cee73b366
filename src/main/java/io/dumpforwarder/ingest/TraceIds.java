package io.dumpforwarder.ingest;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * The caller's trace id from a W3C {@code traceparent} header, else from
 * {@code X-Trace-Id}.
 */
final class TraceIds {

    private static final int TRACEPARENT_LENGTH = 55;

    private TraceIds() {
    }

    static String fromHeaders(HttpHeaders headers) {
        String traceparent = headers.get("traceparent");
        if (traceparent != null && traceparent.length() >= TRACEPARENT_LENGTH && traceparent.charAt(2) == '-'
                && traceparent.charAt(35) == '-') {
            String traceId = traceparent.substring(3, 35);
            if (isHex(traceId) && !traceId.chars().allMatch((c) -> c == '0')) {
                return traceId;
            }
        }
        return DumpReader.headerSafe(headers.get("X-Trace-Id"));
    }

    private static boolean isHex(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

}
