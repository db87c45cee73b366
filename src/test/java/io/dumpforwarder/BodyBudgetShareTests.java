package io.dumpforwarder;

import java.io.IOException;

import io.dumpforwarder.support.RawConnection;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The body budget is shared as the queue is: past half of it, a caller holding more than
 * its share while another caller holds some too is refused {@code 429 over_share}, though
 * the budget has room, and the other caller is served. Each caller's bodies are held
 * half-received on raw connections, so what each holds is fixed while the test asks.
 */
@TestPropertySource(properties = { "forwarder.ingest.max-inflight-bytes=1MB", "forwarder.max-request-size=1MB",
        "forwarder.max-dump-size=512KB", "forwarder.ingest.read-timeout=30s", "forwarder.ingest.min-body-rate=0",
        "forwarder.ingest.callers.names=flood,steady" })
class BodyBudgetShareTests extends AbstractServiceTests {

    /** Declared 300,000 bytes, 270,000 of them sent: the whole 300,000 is reserved. */
    private static final int HELD = 300_000;

    @Test
    void aCallerOverItsShareOfTheBudgetIsRefusedWhileAnotherHoldsSomeOfIt() throws IOException {
        String held = body(HELD);
        String small = body(100_000);
        try (RawConnection flood1 = new RawConnection(this.port);
                RawConnection flood2 = new RawConnection(this.port);
                RawConnection steady1 = new RawConnection(this.port)) {
            // Alone, the flood may take the budget past its half.
            sendHead(flood1, "flood", held, 270_000);
            sendHead(flood2, "flood", held, 270_000);
            await().atMost(WAIT).until(() -> inflightBytes() == 2L * HELD);
            // The steady caller, under its share (half), is admitted past that point.
            sendHead(steady1, "steady", small, 50_000);
            await().atMost(WAIT).until(() -> inflightBytes() > 2L * HELD);

            // 100 KB would fit in the budget (under 700,000 of its 1,048,576 bytes are
            // held), but the flood already holds more than its half.
            post("flood", small).expectStatus()
                .isEqualTo(429)
                .expectHeader()
                .exists(HttpHeaders.RETRY_AFTER)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.outcome")
                .isEqualTo("over_share");
            post("steady", small).expectStatus().isAccepted();
            // A body the flood would send after 100 Continue is refused before it is
            // sent.
            try (RawConnection waiting = new RawConnection(this.port)) {
                waiting.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "X-Caller: flood\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
                assertThat(waiting.readStatusLines(1)[0]).startsWith("HTTP/1.1 429");
            }

            flood1.send(held.substring(270_000));
            flood2.send(held.substring(270_000));
            steady1.send(small.substring(50_000));
            assertThat(flood1.readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
            assertThat(flood2.readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
            assertThat(steady1.readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
        }
        await().atMost(WAIT).until(() -> inflightBytes() == 0);
        // Alone again, the flood is served.
        post("flood", small).expectStatus().isAccepted();
        awaitIdle();
        assertThat(this.meters.count("dumps.received", "caller", "flood", "outcome", "over_share")).isEqualTo(2);
        assertThat(this.meters.count("dumps.received", "caller", "flood", "outcome", "accepted")).isEqualTo(3);
        assertThat(this.meters.count("dumps.received", "caller", "steady", "outcome", "accepted")).isEqualTo(2);
        assertThat(this.meters.count("dumps.forwarded", "caller", "flood", "outcome", "success")).isEqualTo(3);
        assertThat(this.meters.count("dumps.forwarded", "caller", "steady", "outcome", "success")).isEqualTo(2);
    }

    private long inflightBytes() {
        return (long) this.meters.gauge("dumps.ingest.inflight.bytes");
    }

    /** A dump of exactly {@code length} bytes. */
    private static String body(int length) {
        String head = "{\"uid\":1,\"pad\":\"";
        return head + "p".repeat(length - head.length() - 2) + "\"}";
    }

    private static void sendHead(RawConnection connection, String caller, String body, int sent) throws IOException {
        connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Caller: " + caller
                + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body.substring(0, sent));
    }

    private WebTestClient.ResponseSpec post(String caller, String body) {
        return this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("X-Caller", caller)
            .bodyValue(body)
            .exchange();
    }

}
