package io.dumpforwarder.ingest;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caller's {@code traceparent} is read as W3C Trace Context says: a header it does
 * not allow gives no trace id, and {@code X-Trace-Id} is used instead.
 */
class RequestIdsTests {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @ParameterizedTest
    @ValueSource(strings = { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            // A later version may add fields; what version 00 defines is read.
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds" })
    void aValidTraceparentGivesTheCallersTraceId(String traceparent) {
        assertThat(caller(traceparent).traceId()).isEqualTo(TRACE_ID);
    }

    @ParameterizedTest
    @ValueSource(strings = { "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", "", "garbage" })
    void aTraceparentW3cDoesNotAllowIsIgnored(String traceparent) {
        assertThat(caller(traceparent).traceId()).isEqualTo("from-x-trace-id");
    }

    /**
     * An NDJSON dump's key is the caller's key, ':' and its line, at most 255 characters
     * as the caller's own: past that, the digest of that key, the same on every retry.
     */
    @Test
    void aKeyMadeOfALongCallersKeyStaysWithin255Characters() {
        HttpHeaders headers = new DefaultHttpHeaders().set("Idempotency-Key", "k".repeat(255));
        RequestIds ids = RequestIds.of(RequestIds.span(headers), headers, null, "unknown");
        assertThat(ids.keyOf(0)).isEqualTo("k".repeat(255));
        assertThat(ids.keyOf(12)).hasSizeLessThanOrEqualTo(255)
            .startsWith("sha256:")
            .isEqualTo(ids.keyOf(12))
            .isNotEqualTo(ids.keyOf(13));
        HttpHeaders shorter = new DefaultHttpHeaders().set("Idempotency-Key", "k".repeat(200));
        assertThat(RequestIds.of(RequestIds.span(shorter), shorter, null, "unknown").keyOf(12))
            .isEqualTo("k".repeat(200) + ":12");
    }

    /**
     * A bad key's problem says what is wrong with it and what a key may be; no key, or a
     * valid one, is no problem.
     */
    @Test
    void aBadKeysProblemSaysWhatIsWrongAndWhatIsAllowed() {
        assertThat(RequestIds.keyProblem(new DefaultHttpHeaders())).isNull();
        assertThat(RequestIds.keyProblem(new DefaultHttpHeaders().set("Idempotency-Key", "!~".repeat(127) + "k")))
            .isNull();
        assertThat(RequestIds.keyProblem(new DefaultHttpHeaders().set("Idempotency-Key", "")))
            .isEqualTo("Idempotency-Key is empty: it must be 1 to 255 visible ASCII characters (0x21 to 0x7E)");
        assertThat(RequestIds.keyProblem(new DefaultHttpHeaders().set("Idempotency-Key", "k".repeat(256))))
            .startsWith("Idempotency-Key has 256 characters: it must be 1 to 255");
        assertThat(RequestIds.keyProblem(new DefaultHttpHeaders().set("Idempotency-Key", "has space")))
            .startsWith("Idempotency-Key has 0x20 at offset 3: it must be 1 to 255");
        assertThat(
                RequestIds.keyProblem(new DefaultHttpHeaders().add("Idempotency-Key", "a").add("Idempotency-Key", "b")))
            .startsWith("Idempotency-Key is given more than once");
    }

    private static RequestIds caller(String traceparent) {
        HttpHeaders headers = new DefaultHttpHeaders().set("traceparent", traceparent)
            .set("X-Trace-Id", "from-x-trace-id");
        return RequestIds.of(RequestIds.span(headers), headers, null, "unknown");
    }

}
