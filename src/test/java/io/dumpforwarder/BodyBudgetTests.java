package io.dumpforwarder;

import java.io.IOException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.dumpforwarder.support.RawConnection;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bytes of bodies being received are bounded over all requests: a request that would
 * pass forwarder.ingest.max-inflight-bytes gets 503 inflight_full, with Retry-After, as
 * its body arrives, and is served once the budget is back. The first limit crossed
 * decides the answer, even if the body then stalls.
 */
@TestPropertySource(properties = { "forwarder.ingest.max-inflight-bytes=1MB", "forwarder.max-request-size=1MB",
        "forwarder.max-dump-size=64KB", "forwarder.ingest.read-timeout=1s" })
class BodyBudgetTests extends AbstractServiceTests {

    /**
     * 600 lines of about 1 KB: 600 KB of NDJSON, so two such bodies cannot be held at
     * once.
     */
    private static final String BIG_NDJSON = IntStream.range(0, 600)
        .mapToObj((i) -> "{\"uid\":" + i + ",\"pad\":\"" + "p".repeat(1000) + "\"}")
        .collect(Collectors.joining("\n"));

    @Test
    void aBodyThatWouldPassTheBudgetIsRefusedUntilTheBudgetIsBack() throws IOException {
        long accepted = this.meters.received("accepted");
        long refused = this.meters.received("inflight_full");
        byte[] held = BIG_NDJSON.getBytes();
        try (RawConnection slow = new RawConnection(this.port)) {
            // Half of its body sent: reserved as it arrives, doubling, so more than the
            // half and never more than the declared length.
            slow.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: "
                    + held.length + "\r\n\r\n" + BIG_NDJSON.substring(0, held.length / 2));
            await().atMost(WAIT).until(() -> inflightBytes() >= held.length / 2);
            assertThat(inflightBytes()).isLessThanOrEqualTo(held.length);

            postNdjson(BIG_NDJSON).expectStatus()
                .isEqualTo(503)
                .expectHeader()
                .valueEquals(HttpHeaders.RETRY_AFTER, "1")
                .expectBody()
                .jsonPath("$.outcome")
                .isEqualTo("inflight_full");
            assertChunkedRefused();
            assertThat(this.meters.received("inflight_full")).isEqualTo(refused + 2);
            // Small bodies still fit beside it.
            accept(dump(1));

            slow.send(BIG_NDJSON.substring(held.length / 2));
            assertThat(slow.readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
        }
        await().atMost(WAIT).until(() -> inflightBytes() == 0);
        postNdjson(BIG_NDJSON).expectStatus().isAccepted();
        awaitIdle();
        assertThat(this.meters.received("accepted")).isEqualTo(accepted + 1 + 600 + 600);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void aChunkedBodyOverItsLimitThatThenStallsIsTooLarge() throws IOException {
        long tooLarge = this.meters.received("too_large");
        String chunk = "{\"uid\":1,\"pad\":\"" + "p".repeat(100 * 1024) + "\"}";
        try (RawConnection connection = new RawConnection(this.port)) {
            // Over max-dump-size (64 KB), then silence: the read timeout ends it, and the
            // answer is still 413.
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(chunk.length()) + "\r\n" + chunk
                    + "\r\n");
            assertThat(connection.readStatusLines(1)[0]).startsWith("HTTP/1.1 413");
        }
        await().atMost(WAIT).until(() -> this.meters.received("too_large") == tooLarge + 1);
        assertThat(this.meters.received("invalid")).isZero();
        await().atMost(WAIT).until(() -> inflightBytes() == 0);
    }

    /**
     * A chunked body, whose size is only known as it arrives, is refused as it would pass
     * the budget.
     */
    private void assertChunkedRefused() throws IOException {
        try (RawConnection chunked = new RawConnection(this.port)) {
            chunked.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(BIG_NDJSON.length()) + "\r\n"
                    + BIG_NDJSON + "\r\n0\r\n\r\n");
            assertThat(chunked.readStatusLines(1)[0]).startsWith("HTTP/1.1 503");
        }
    }

    private long inflightBytes() {
        return (long) this.meters.gauge("dumps.ingest.inflight.bytes");
    }

}
