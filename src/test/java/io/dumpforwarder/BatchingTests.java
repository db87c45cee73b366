package io.dumpforwarder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Collector batching against a real collector: each request is one NDJSON batch within
 * both limits, every dump is in exactly one batch, a partial batch leaves after the wait,
 * and a failed batch counts all its dumps.
 */
@TestPropertySource(properties = { "forwarder.retry.enabled=false", "forwarder.batch.enabled=true",
        "forwarder.batch.max-dumps=10", "forwarder.batch.max-bytes=1000", "forwarder.batch.max-wait=200ms",
        "forwarder.max-concurrency=4", "forwarder.client.response-timeout=5s", "forwarder.client.attempt-timeout=5s",
        AbstractServiceTests.BREAKER_NEVER_OPENS })
class BatchingTests extends AbstractServiceTests {

    @Test
    void sendsEveryDumpInExactlyOneBatchWithinBothLimits() {
        // Sizes from about 60 to 400 bytes, so some batches are cut by the count and some
        // by the bytes.
        List<String> sent = IntStream.range(0, 95).mapToObj((i) -> padded(i, (i % 7) * 55)).toList();
        long batches = batches("success");
        long delivered = this.meters.forwarded("success");

        postNdjson(String.join("\n", sent)).expectStatus().isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 95);
        List<String> received = new ArrayList<>();
        for (TestCollector.Request request : collector.requests()) {
            String body = new String(request.body(), StandardCharsets.UTF_8);
            List<String> lines = List.of(body.split("\n"));
            assertThat(request.headers().get("Content-Type")).isEqualTo("application/x-ndjson");
            assertThat(request.headers().get("X-Dump-Count")).isEqualTo(Integer.toString(lines.size()));
            assertThat(request.headers().get("X-Uid")).isNull();
            assertThat(request.headers().get("Idempotency-Key")).endsWith("+" + lines.size());
            assertThat(body).endsWith("\n");
            assertThat(lines).hasSizeBetween(1, 10);
            assertThat(request.body().length).isLessThanOrEqualTo(1000);
            received.addAll(lines);
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(collector.requests().stream().filter((request) -> request.body().length > 900)).isNotEmpty();
        assertThat(batches("success") - batches).isEqualTo(collector.requestCount());
        assertThat(this.registry.get("dumps.batch.size").summary().totalAmount()).isGreaterThanOrEqualTo(95);
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void sendsAPartialBatchAfterTheWait() {
        long started = System.nanoTime();

        postNdjson(dump(1) + "\n" + dump(2) + "\n" + dump(3)).expectStatus().isAccepted();

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(new String(collector.requests().get(0).body(), StandardCharsets.UTF_8))
            .isEqualTo(dump(1) + "\n" + dump(2) + "\n" + dump(3) + "\n");
    }

    @Test
    void sendsADumpLargerThanTheByteLimitAsABatchOfOne() {
        String large = padded(7, 1500);

        accept(large);

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(new String(collector.requests().get(0).body(), StandardCharsets.UTF_8)).isEqualTo(large + "\n");
    }

    @Test
    void countsEveryDumpOfAFailedBatchWithTheBatchOutcome() {
        collector.answer(503);
        long failed = this.meters.forwarded("http_5xx");
        long failedBatches = batches("http_5xx");

        postNdjson(IntStream.range(0, 25).mapToObj(BatchingTests::dump).collect(Collectors.joining("\n")))
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("http_5xx") == failed + 25);
        assertThat(batches("http_5xx") - failedBatches).isEqualTo(collector.requestCount()).isBetween(3L, 25L);
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void holdsNoMoreThanMaxConcurrencyBatchesOutOfTheQueue() {
        collector.hold();

        postNdjson(IntStream.range(0, 300).mapToObj(BatchingTests::dump).collect(Collectors.joining("\n")))
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> collector.activeRequests() == 4);
        // Four batches of ten in flight, one being gathered and one cut, waiting: the
        // rest stays queued.
        assertThat(this.meters.inflight()).isBetween(40L, 60L);
        assertThat(this.meters.queued()).isEqualTo(300 - this.meters.inflight());
        collector.release();
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    private long batches(String outcome) {
        return (long) this.meters.count("dumps.batches", "outcome", outcome);
    }

    private static String padded(int uid, int padding) {
        return "{\"uid\":" + uid + ",\"pad\":\"" + "x".repeat(padding) + "\"}";
    }

}
