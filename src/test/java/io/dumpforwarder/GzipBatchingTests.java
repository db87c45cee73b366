package io.dumpforwarder;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Batches compressed with gzip decode, at a real collector, to exactly the bytes the
 * callers sent.
 */
@TestPropertySource(
        properties = { "forwarder.batch.enabled=true", "forwarder.batch.max-dumps=20", "forwarder.compression=gzip" })
class GzipBatchingTests extends AbstractServiceTests {

    @Test
    void gzippedBatchesDecodeToTheDumpsAsSent() {
        String sent = IntStream.range(0, 50)
            .mapToObj((i) -> "{\"uid\":" + i + ",\"scene\":\"h\u00e9me\",\"scores\":[0.1, 2e-3]}")
            .collect(Collectors.joining("\n"));
        long delivered = this.meters.forwarded("success");

        postNdjson(sent).expectStatus().isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 50);
        StringBuilder received = new StringBuilder();
        List<TestCollector.Request> requests = collector.requests();
        for (TestCollector.Request request : requests) {
            assertThat(request.headers().get("Content-Encoding")).isEqualTo("gzip");
            assertThat(request.headers().get("Content-Type")).isEqualTo("application/x-ndjson");
            received.append(gunzip(request.body()));
        }
        assertThat(requests).hasSizeBetween(3, 50);
        assertThat(received.toString().lines().sorted().toList()).isEqualTo(sent.lines().sorted().toList());
        assertThat(received.toString()).endsWith("\n");
    }

    private static String gunzip(byte[] body) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

}
