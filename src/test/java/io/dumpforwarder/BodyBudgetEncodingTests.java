package io.dumpforwarder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import com.github.luben.zstd.Zstd;
import io.dumpforwarder.support.RawConnection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The body budget judges a body by its decompressed bytes, whatever its encoding: with
 * another caller holding part of the budget, a body within its caller's share is taken
 * plain and compressed alike (before: its array, doubling as a compressed body arrives,
 * passed the share where the plain body, sized by its Content-Length, did not, and the
 * same dumps were 202 plain and 429 over_share compressed).
 */
@TestPropertySource(properties = { "forwarder.ingest.max-inflight-bytes=1MB", "forwarder.max-request-size=1MB",
        "forwarder.ingest.read-timeout=30s", "forwarder.ingest.min-body-rate=0",
        "forwarder.ingest.callers.names=flood,steady", "forwarder.ingest.callers.weights.flood=2" })
class BodyBudgetEncodingTests extends AbstractServiceTests {

    /**
     * About 600,000 bytes: under the flood's share (two thirds of 1 MiB, 699,050 bytes).
     */
    private static final byte[] LINES = lines(600_000);

    @ParameterizedTest
    @ValueSource(strings = { "gzip", "deflate", "zstd" })
    void aBodyWithinItsShareIsTakenPlainAndCompressedAlike(String coding) throws IOException {
        String held = "{\"uid\":1,\"pad\":\"" + "p".repeat(299_982) + "\"}";
        try (RawConnection steady = new RawConnection(this.port)) {
            // The steady caller holds 300,000 bytes of the budget, so shares apply.
            steady.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Caller: steady"
                    + "\r\nContent-Length: " + held.length() + "\r\n\r\n" + held.substring(0, 270_000));
            await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.inflight.bytes") == 300_000);

            post(LINES, null).expectStatus().isAccepted();
            post(compress(LINES, coding), coding).expectStatus().isAccepted();

            steady.send(held.substring(270_000));
            assertThat(steady.readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
        }
        assertThat(this.meters.count("dumps.received", "caller", "flood", "outcome", "over_share")).isZero();
    }

    private WebTestClient.ResponseSpec post(byte[] body, String coding) {
        return this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_NDJSON)
            .header("X-Caller", "flood")
            .headers((headers) -> {
                if (coding != null) {
                    headers.set(HttpHeaders.CONTENT_ENCODING, coding);
                }
            })
            .bodyValue(body)
            .exchange();
    }

    /** NDJSON dumps of about {@code size} bytes in all. */
    private static byte[] lines(int size) {
        StringBuilder lines = new StringBuilder(size);
        for (int i = 0; lines.length() < size - 100; i++) {
            lines.append("{\"uid\":")
                .append(i)
                .append(",\"scene\":\"home\",\"pad\":\"")
                .append("q".repeat(600))
                .append("\"}\n");
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] compress(byte[] bytes, String coding) throws IOException {
        if (coding.equals("zstd")) {
            return Zstd.compress(bytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream compressing = coding.equals("gzip") ? new GZIPOutputStream(out)
                : new DeflaterOutputStream(out)) {
            compressing.write(bytes);
        }
        return out.toByteArray();
    }

}
