package io.dumpforwarder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import com.github.luben.zstd.Zstd;
import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Callers send compressed bodies: gzip, deflate and zstd are decompressed as they arrive,
 * every limit counts the decompressed bytes, a bomb is refused before it inflates past
 * the limit, a corrupt or cut stream is refused whole, and a coding not supported is
 * refused with the ones that are. The collector gets each dump's own bytes, as if sent
 * plain.
 */
@TestPropertySource(properties = { "forwarder.max-request-size=1MB", "forwarder.max-dump-size=64KB",
        "forwarder.ingest.max-inflight-bytes=4MB" })
class ContentEncodingTests extends AbstractServiceTests {

    private static final MediaType NDJSON = MediaType.parseMediaType("application/x-ndjson");

    private static final String DUMP = "{\"uid\":\"u-1\",\"scene\":\"home\",\"scores\":[0.5,0.25]}";

    private static final String LINES = "{\"uid\":\"a\"}\n{\"uid\":\"b\"}\n{\"uid\":\"c\"}\n";

    @ParameterizedTest
    @ValueSource(strings = { "gzip", "x-gzip", "GZip" })
    void aGzipDumpReachesTheCollectorAsItsOwnBytes(String coding) throws IOException {
        double compressed = this.meters.count("dumps.ingest.compressed.bytes", "encoding", "gzip");
        double decompressed = this.meters.count("dumps.ingest.decompressed.bytes", "encoding", "gzip");
        byte[] body = gzip(DUMP.getBytes(StandardCharsets.UTF_8));

        post(body, MediaType.APPLICATION_JSON, coding).expectStatus().isAccepted();

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).text()).isEqualTo(DUMP);
        assertThat(collector.requests().get(0).headers().get(HttpHeaders.CONTENT_ENCODING)).isNull();
        assertThat(this.meters.count("dumps.ingest.compressed.bytes", "encoding", "gzip"))
            .isEqualTo(compressed + body.length);
        assertThat(this.meters.count("dumps.ingest.decompressed.bytes", "encoding", "gzip"))
            .isEqualTo(decompressed + DUMP.length());
    }

    @Test
    void deflateIsTheZlibFormatAndARawDeflateStreamIsTakenToo() throws IOException {
        byte[] lines = LINES.getBytes(StandardCharsets.UTF_8);

        post(deflate(lines, false), NDJSON, "deflate").expectStatus()
            .isAccepted()
            .expectBody()
            .jsonPath("$.accepted")
            .isEqualTo(3);
        post(deflate(lines, true), NDJSON, "deflate").expectStatus()
            .isAccepted()
            .expectBody()
            .jsonPath("$.accepted")
            .isEqualTo(3);

        await().atMost(WAIT).until(() -> collector.requestCount() == 6);
        assertThat(collector.requests()).extracting(TestCollector.Request::text)
            .containsOnly("{\"uid\":\"a\"}", "{\"uid\":\"b\"}", "{\"uid\":\"c\"}");
    }

    @Test
    void aZstdBatchIsSplitIntoItsDumps() {
        post(Zstd.compress(LINES.getBytes(StandardCharsets.UTF_8)), NDJSON, "zstd").expectStatus()
            .isAccepted()
            .expectBody()
            .jsonPath("$.accepted")
            .isEqualTo(3);

        await().atMost(WAIT).until(() -> collector.requestCount() == 3);
        assertThat(collector.requests()).extracting(TestCollector.Request::text)
            .containsExactlyInAnyOrder("{\"uid\":\"a\"}", "{\"uid\":\"b\"}", "{\"uid\":\"c\"}");
    }

    @Test
    void identityIsThePlainBody() {
        post(DUMP.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON, "identity").expectStatus().isAccepted();
    }

    /**
     * 400 MB of NDJSON in well under a megabyte of gzip: refused once the decompressed
     * bytes pass max-request-size, having inflated no more than a buffer past it, and
     * nothing is queued or left held.
     */
    @Test
    void aBombIsRefusedBeforeItInflatesPastTheLimit() throws IOException {
        byte[] bomb = gzipRepeated("{\"uid\":\"bomb\",\"pad\":\"" + "a".repeat(4000) + "\"}\n", 400L * 1024 * 1024);
        assertThat(bomb.length).isLessThan(1024 * 1024);
        long tooLarge = this.meters.received("too_large");
        double decompressed = this.meters.count("dumps.ingest.decompressed.bytes", "encoding", "gzip");

        post(bomb, NDJSON, "gzip").expectStatus()
            .isEqualTo(413)
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("too_large");

        assertThat(this.meters.received("too_large")).isEqualTo(tooLarge + 1);
        assertThat(this.meters.count("dumps.ingest.decompressed.bytes", "encoding", "gzip") - decompressed)
            .isGreaterThan(1024 * 1024)
            .isLessThanOrEqualTo(1024 * 1024 + 64 * 1024);
        assertThat(this.meters.gauge("dumps.ingest.inflight.bytes")).isZero();
        assertThat(this.meters.queued()).isZero();
        assertThat(collector.requests()).isEmpty();
    }

    @Test
    void aDumpOverMaxDumpSizeOnceDecompressedIsRefused() throws IOException {
        String large = "{\"pad\":\"" + "a".repeat(100 * 1024) + "\"}";
        byte[] body = gzip(large.getBytes(StandardCharsets.UTF_8));
        assertThat(body.length).isLessThan(64 * 1024);

        post(body, MediaType.APPLICATION_JSON, "gzip").expectStatus().isEqualTo(413);
        assertThat(collector.requests()).isEmpty();
    }

    @Test
    void compressedBytesOverMaxRequestSizeAreRefusedBeforeTheyAreRead() {
        byte[] incompressible = new byte[1024 * 1024 + 1];
        new java.util.Random(7).nextBytes(incompressible);

        post(incompressible, NDJSON, "gzip").expectStatus().isEqualTo(413);
        assertThat(collector.requests()).isEmpty();
    }

    @Test
    void aCorruptStreamIsRefusedWholeNamingWhy() throws IOException {
        byte[] body = gzip(LINES.getBytes(StandardCharsets.UTF_8));
        for (int i = 12; i < body.length - 8; i++) {
            body[i] ^= 0x5a;
        }
        long invalid = this.meters.received("invalid");

        undecodable(post(body, NDJSON, "gzip"), "gzip");

        assertThat(this.meters.received("invalid")).isEqualTo(invalid + 1);
        assertThat(this.meters.queued()).isZero();
        assertThat(collector.requests()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "gzip", "deflate", "zstd" })
    void aStreamCutShortIsRefusedWhole(String coding) throws IOException {
        byte[] lines = LINES.repeat(50).getBytes(StandardCharsets.UTF_8);
        byte[] whole = switch (coding) {
            case "gzip" -> gzip(lines);
            case "deflate" -> deflate(lines, false);
            default -> Zstd.compress(lines);
        };

        undecodable(post(Arrays.copyOf(whole, whole.length - 4), NDJSON, coding), coding);

        assertThat(collector.requests()).isEmpty();
    }

    @Test
    void bytesAfterTheEndOfTheStreamAreRefused() throws IOException {
        byte[] whole = Zstd.compress(LINES.getBytes(StandardCharsets.UTF_8));
        byte[] trailing = Arrays.copyOf(whole, whole.length + 3);

        undecodable(post(trailing, NDJSON, "zstd"), "zstd");
    }

    /**
     * A deflate stream followed by a second one, or by plain NDJSON: refused whole, as
     * gzip and zstd are (before: 202 for the first stream's dump, the rest dropped
     * uncounted).
     */
    @ParameterizedTest
    @ValueSource(booleans = { true, false })
    void bytesAfterTheEndOfADeflateStreamAreRefused(boolean secondStream) throws IOException {
        long invalid = this.meters.received("invalid");
        byte[] first = deflate(LINES.getBytes(StandardCharsets.UTF_8), false);
        byte[] after = secondStream ? deflate(LINES.getBytes(StandardCharsets.UTF_8), false)
                : LINES.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(first, first.length + after.length);
        System.arraycopy(after, 0, body, first.length, after.length);

        undecodable(post(body, NDJSON, "deflate"), "deflate");

        assertThat(this.meters.received("invalid")).isEqualTo(invalid + 1);
        assertThat(this.meters.queued()).isZero();
        assertThat(collector.requests()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = { "br", "compress", "gzip, identity", "gzip,gzip", "*" })
    void aCodingNotSupportedIsRefused415NamingTheSupportedOnes(String coding) {
        long unsupported = this.meters.received("unsupported_media_type");

        post(DUMP.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON, coding).expectStatus()
            .isEqualTo(415)
            .expectHeader()
            .valueEquals(HttpHeaders.ACCEPT_ENCODING, "gzip, deflate, zstd, identity")
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("unsupported_media_type")
            .jsonPath("$.detail")
            .value((detail) -> assertThat((String) detail).contains("Content-Encoding").contains("not supported"));

        assertThat(this.meters.received("unsupported_media_type")).isEqualTo(unsupported + 1);
        assertThat(collector.requests()).isEmpty();
    }

    @Test
    void twoContentEncodingHeadersAreAListAndRefused() {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header(HttpHeaders.CONTENT_ENCODING, "gzip")
            .header(HttpHeaders.CONTENT_ENCODING, "gzip")
            .bodyValue(DUMP)
            .exchange()
            .expectStatus()
            .isEqualTo(415);
    }

    private static void undecodable(WebTestClient.ResponseSpec response, String coding) {
        response.expectStatus()
            .isBadRequest()
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("invalid")
            .jsonPath("$.detail")
            .value((detail) -> assertThat((String) detail)
                .startsWith("the " + coding + " body could not be decompressed: "));
    }

    private WebTestClient.ResponseSpec post(byte[] body, MediaType type, String coding) {
        return this.ingest.post()
            .uri("/v1/dumps")
            .contentType(type)
            .header(HttpHeaders.CONTENT_ENCODING, coding)
            .bodyValue(body)
            .exchange();
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] bytes, boolean raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream deflate = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
            deflate.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] gzipRepeated(String line, long size) throws IOException {
        byte[] chunk = line.repeat(64 * 1024 / line.length()).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out, 64 * 1024) {
            {
                this.def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            for (long written = 0; written < size; written += chunk.length) {
                gzip.write(chunk);
            }
        }
        return out.toByteArray();
    }

}
