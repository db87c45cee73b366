package io.dumpforwarder;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With batching on and a strict collector that parses every line and refuses a request
 * holding a bad line or a poison dump (400): a dump written over several lines travels on
 * one, and a refusal sinks only the dumps the collector refuses alone, plain or gzipped.
 */
class RefusalIsolationTests {

    private static final TestCollector collector = new TestCollector();

    @AfterAll
    static void closeCollector() {
        collector.close();
    }

    @ParameterizedTest
    @ValueSource(strings = { "none", "gzip" })
    void aMultiLineDumpGoesOnOneLineOfItsBatch(String compression) {
        collector.reset();
        collector.strict();
        try (RunningApp app = batching(compression)) {
            IntStream.range(0, 30).forEach((uid) -> app.postJson("{\"uid\":" + uid + "}").expectStatus().isAccepted());
            app.postJson("{\r\n  \"uid\": 30,\n  \"scores\": [\n    1,\n    2\n  ],\n  \"name\": \"a\\nb\"\n}\n")
                .expectStatus()
                .isAccepted();
            await().atMost(AbstractAppTests.WAIT).until(() -> app.meters().forwardedTotal() == 31);
            assertThat(app.meters().forwarded("success")).isEqualTo(31);
            assertThat(collector.refused()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "none", "gzip" })
    void aBatchWithThreePoisonDumpsDeliversTheOther97(String compression) {
        collector.reset();
        collector.strict();
        Set<Integer> poison = Set.of(3, 50, 98);
        String body = IntStream.range(0, 100)
            .mapToObj((uid) -> "{\"uid\":" + uid + (poison.contains(uid) ? ",\"poison\":true" : "") + "}")
            .collect(Collectors.joining("\n"));
        try (RunningApp app = batching(compression)) {
            app.ingest()
                .post()
                .uri("/v1/dumps")
                .contentType(MediaType.parseMediaType("application/x-ndjson"))
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isAccepted();
            await().atMost(AbstractAppTests.WAIT).until(() -> app.meters().forwardedTotal() == 100);
            assertThat(app.meters().forwarded("success")).isEqualTo(97);
            assertThat(app.meters().forwarded("http_4xx")).isEqualTo(3);
            // Each poison dump is isolated in at most log2(100) rounds of halving.
            double splits = app.meters().count("dumps.batch.splits");
            assertThat(splits).isBetween(3.0, 3.0 * 7);
            List<String> refusedAlone = collector.refused()
                .stream()
                .map((request) -> request.text().strip())
                .filter((text) -> !text.contains("\n"))
                .toList();
            assertThat(refusedAlone).containsExactlyInAnyOrder("{\"uid\":3,\"poison\":true}",
                    "{\"uid\":50,\"poison\":true}", "{\"uid\":98,\"poison\":true}");
            assertThat(app.meters().accountingHolds()).isTrue();
        }
    }

    private static RunningApp batching(String compression) {
        return RunningApp.start("--forwarder.dump-url=" + collector.url(), "--forwarder.batch.enabled=true",
                "--forwarder.batch.max-dumps=100", "--forwarder.batch.max-wait=300ms",
                "--forwarder.compression=" + compression, "--forwarder.retry.enabled=false",
                "--" + AbstractServiceTests.BREAKER_NEVER_OPENS);
    }

}
