package io.dumpforwarder;

import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What operators rely on: Actuator on the management port only, probes, metrics, the
 * wiretap and the logs.
 */
@ExtendWith(OutputCaptureExtension.class)
@PlainForwarding
class OperationsTests extends AbstractServiceTests {

    @ParameterizedTest
    @ValueSource(strings = { "/actuator/health", "/actuator/prometheus", "/actuator/info" })
    void actuatorIsNotOnTheIngestPort(String path) {
        this.ingest.get().uri(path).exchange().expectStatus().isNotFound();
    }

    @ParameterizedTest
    @ValueSource(strings = { "/actuator/env", "/actuator/heapdump", "/actuator/configprops", "/actuator/beans",
            "/actuator/threaddump" })
    void sensitiveEndpointsAreNotExposed(String path) {
        this.management.get().uri(path).exchange().expectStatus().isNotFound();
    }

    @ParameterizedTest
    @ValueSource(strings = { "/actuator/health/liveness", "/actuator/health/readiness" })
    void probesAnswerUpOnTheManagementPort(String probe) {
        this.management.get()
            .uri(probe)
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .jsonPath("$.status")
            .isEqualTo("UP");
    }

    @Test
    void infoShowsTheBuildVersionTimeAndGitCommit() {
        this.management.get()
            .uri("/actuator/info")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .jsonPath("$.build.version")
            .isNotEmpty()
            .jsonPath("$.build.time")
            .isNotEmpty()
            .jsonPath("$.git.commit.id")
            .isNotEmpty()
            .jsonPath("$.git.commit.time")
            .isNotEmpty();
    }

    @Test
    void exposesBreakerLimiterPoolJvmAndServerMetrics() {
        accept(dump(1));
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        String scrape = scrape();
        assertThat(scrape).contains("resilience4j_circuitbreaker_state{", "name=\"dump\"",
                "dumps_rate_limit_tokens_total{", "dumps_rate_limit_fallback ",
                "reactor_netty_connection_provider_total_connections{",
                "reactor_netty_connection_provider_max_connections{", "jvm_memory_used_bytes{",
                "dumps_ingest_seconds_count{", "dumps_ingest_seconds_bucket{", "dumps_forward_seconds_bucket{",
                "dumps_queue_capacity ");
        assertThat(scrape.lines().filter((line) -> line.startsWith("dumps_")))
            .noneMatch((line) -> line.contains("uid=") || line.contains("trace") || line.contains("127.0.0.1"));
    }

    @Test
    void theCollectorWiretapCanBeSwitchedOnAtRuntime(CapturedOutput output) {
        accept("{\"uid\":\"quiet-1\"}");
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        awaitIdle();
        assertThat(output.getOut()).doesNotContain("quiet-1");

        setWiretap("DEBUG");
        try {
            accept("{\"uid\":\"loud-1\"}");
            await().atMost(WAIT)
                .until(() -> output.getOut()
                    .lines()
                    .anyMatch((line) -> line.contains("io.dumpforwarder.wiretap") && line.contains("loud-1")));
        }
        finally {
            setWiretap("INFO");
        }
    }

    @Test
    void failuresAreLoggedAsJsonWithIdsAndThrottledPerSecond(CapturedOutput output) {
        collector.answer(500);
        long started = System.nanoTime();
        IntStream.range(0, 40).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> collector.requestCount() == 40);
        awaitIdle();
        // Windows are whole seconds of nanoTime: an interval of T seconds touches at most
        // floor(T) + 2 of them.
        long seconds = (System.nanoTime() - started) / 1_000_000_000L + 2;

        var lines = output.getOut().lines().filter((line) -> line.contains("Dump not forwarded")).toList();
        assertThat(lines).isNotEmpty().hasSizeLessThanOrEqualTo((int) (2 * seconds));
        assertThat(lines).allSatisfy((line) -> assertThat(line).startsWith("{")
            .contains("\"uid\":\"", "\"traceId\":\"t-", "\"outcome\":\"http_5xx\"", "\"suppressed\":"));
    }

    @Test
    void failedExchangesAreLoggedOnlyByTheThrottledFailureLog(CapturedOutput output) {
        collector.answer(200, Duration.ofMillis(500));
        long timeouts = this.meters.forwarded("timeout");

        IntStream.range(0, 20).forEach((i) -> accept(dump(i)));

        await().atMost(WAIT).until(() -> this.meters.forwarded("timeout") == timeouts + 20);
        assertThat(output.getOut()).contains("Dump not forwarded: timeout").doesNotContain("HttpClientConnect");
    }

    private void setWiretap(String level) {
        this.management.post()
            .uri("/actuator/loggers/io.dumpforwarder.wiretap")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(Map.of("configuredLevel", level))
            .exchange()
            .expectStatus()
            .is2xxSuccessful();
    }

}
