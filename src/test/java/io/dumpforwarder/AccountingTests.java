package io.dumpforwarder;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * accepted = sum(forwarded) + queued + inflight, read from a real scrape of
 * /actuator/prometheus after a run that mixes successes, timeouts, 5xx and 4xx answers,
 * breaker rejections and refused input.
 */
@TestPropertySource(properties = { "forwarder.retry.enabled=false", "forwarder.max-concurrency=2",
        "forwarder.circuit-open=drop", "forwarder.client.response-timeout=100ms",
        "resilience4j.circuitbreaker.instances.dump.sliding-window-type=COUNT_BASED",
        "resilience4j.circuitbreaker.instances.dump.sliding-window-size=10",
        "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=10",
        "resilience4j.circuitbreaker.instances.dump.failure-rate-threshold=60",
        "resilience4j.circuitbreaker.instances.dump.wait-duration-in-open-state=1h" })
class AccountingTests extends AbstractServiceTests {

    @Test
    void everyAcceptedDumpIsForwardedQueuedOrInFlight() {
        phase(204, Duration.ZERO, 4, "success");
        phase(200, Duration.ofMillis(300), 2, "timeout");
        phase(502, Duration.ZERO, 2, "http_5xx");
        // A 400 is about the dump, not the collector: the breaker does not count it; a
        // 429 it does.
        phase(400, Duration.ZERO, 1, "http_4xx");
        phase(429, Duration.ZERO, 2, "http_4xx");
        // Ten calls counted, six failed: the breaker is open and the next dumps fail
        // fast.
        phase(204, Duration.ZERO, 5, "circuit_open");
        postJson("not json").expectStatus().isBadRequest();

        Map<String, Double> scrape = samples();
        double forwarded = scrape.entrySet()
            .stream()
            .filter((e) -> e.getKey().startsWith("dumps_forwarded_total{"))
            .mapToDouble(Map.Entry::getValue)
            .sum();
        assertThat(scrape).containsEntry("dumps_received_total{caller=\"unknown\",outcome=\"accepted\"}", 16.0)
            .containsEntry("dumps_received_total{caller=\"unknown\",outcome=\"invalid\"}", 1.0)
            .containsEntry("dumps_forwarded_total{caller=\"unknown\",outcome=\"success\"}", 4.0)
            .containsEntry("dumps_forwarded_total{caller=\"unknown\",outcome=\"timeout\"}", 2.0)
            .containsEntry("dumps_forwarded_total{caller=\"unknown\",outcome=\"http_5xx\"}", 2.0)
            .containsEntry("dumps_forwarded_total{caller=\"unknown\",outcome=\"http_4xx\"}", 3.0)
            .containsEntry("dumps_forwarded_total{caller=\"unknown\",outcome=\"circuit_open\"}", 5.0);
        assertThat(scrape.get("dumps_received_total{caller=\"unknown\",outcome=\"accepted\"}"))
            .isEqualTo(forwarded + scrape.get("dumps_queued") + scrape.get("dumps_inflight"))
            .as("the caller's own: accepted = forwarded + held")
            .isEqualTo(forwarded + scrape.get("dumps_caller_held{caller=\"unknown\"}"));
    }

    private void phase(int status, Duration delay, int dumps, String outcome) {
        collector.answer(status, delay);
        long before = this.meters.forwarded(outcome);
        IntStream.range(0, dumps).forEach((i) -> accept(dump(i)));
        await().atMost(WAIT).until(() -> this.meters.forwarded(outcome) == before + dumps);
        awaitIdle();
    }

    /** Every sample of the service's own families, keyed by name and labels. */
    private Map<String, Double> samples() {
        String body = scrape();
        return Arrays.stream(body.split("\n"))
            .filter((line) -> line.startsWith("dumps_"))
            .collect(Collectors.toMap((line) -> line.substring(0, line.lastIndexOf(' ')),
                    (line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))));
    }

}
