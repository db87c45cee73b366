package io.dumpforwarder;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.dumpforwarder.support.FaultyCollector;
import io.dumpforwarder.support.FaultyCollector.Fault;
import io.micrometer.core.instrument.Gauge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every way the collector can misbehave, against the real app: ingest keeps answering at
 * once, the queue and the pool stay bounded and the pool does not leak, every dump is
 * counted with the fault's outcome, the service stays ready, and delivery resumes within
 * the breaker's open wait plus a probe once the fault ends. The open breaker drops here
 * ({@code circuit-open=drop}) and nothing is retried, so every fault ends in counted
 * outcomes at once; holding is {@link BreakerHoldTests}, retrying {@link RetryTests}.
 */
@TestPropertySource(properties = { "forwarder.max-concurrency=8", "forwarder.circuit-open=drop",
        "forwarder.retry.enabled=false", "forwarder.client.response-timeout=100ms",
        "forwarder.client.attempt-timeout=1s", "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=10",
        "resilience4j.circuitbreaker.instances.dump.wait-duration-in-open-state=1s",
        "resilience4j.circuitbreaker.instances.dump.permitted-number-of-calls-in-half-open-state=2" })
class CollectorFaultTests extends AbstractAppTests {

    private static final FaultyCollector collector = new FaultyCollector();

    private static final Duration BREAKER_WAIT = Duration.ofSeconds(1);

    /**
     * A 256 KB dump: enough to fill a collector's socket buffers when it does not read.
     */
    private static final String BIG_DUMP = "{\"uid\":1,\"traceId\":\"fault\",\"pad\":\"" + "x".repeat(256 * 1024)
            + "\"}";

    @DynamicPropertySource
    static void forwardToTheFaultyCollector(DynamicPropertyRegistry registry) {
        registry.add("forwarder.dump-url", collector::url);
    }

    @AfterAll
    static void close() {
        collector.close();
    }

    @BeforeEach
    void healthy() {
        collector.set(Fault.HEALTHY);
        awaitIdle();
        closeBreaker();
    }

    /**
     * Each fault with the outcomes its dumps may get, the one it must produce first. The
     * collector applies a fault by closing the connections it kept alive; a forward that
     * takes one of them from the pool before the pool has seen it closed, or that is in
     * flight on one, fails as error.
     */
    static Stream<Arguments> faults() {
        return Stream.of(Arguments.of(Fault.HANG, "timeout", Set.of("timeout", "circuit_open", "error")),
                Arguments.of(Fault.NO_READ, "timeout", Set.of("timeout", "circuit_open", "error")),
                Arguments.of(Fault.RESET, "error", Set.of("error", "circuit_open")),
                Arguments.of(Fault.SERVER_ERROR, "http_5xx", Set.of("http_5xx", "circuit_open", "error")),
                Arguments.of(Fault.TOO_MANY_REQUESTS, "http_4xx", Set.of("http_4xx", "circuit_open", "error")),
                Arguments.of(Fault.UNAVAILABLE, "http_5xx", Set.of("http_5xx", "circuit_open", "error")),
                Arguments.of(Fault.FLAP, "success", Set.of("success", "connect_error", "circuit_open", "error")),
                Arguments.of(Fault.TRICKLE, "timeout", Set.of("timeout", "circuit_open", "error")),
                Arguments.of(Fault.HUGE_BODY, "success", Set.of("success")),
                Arguments.of(Fault.DOWN, "connect_error", Set.of("connect_error", "circuit_open", "error")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faults")
    void holdsUpAndRecovers(Fault fault, String primary, Set<String> outcomes) {
        Map<String, Long> before = forwardedByOutcome();
        collector.set(fault);

        long started = System.nanoTime();
        IntStream.range(0, 40).forEach((i) -> postJson(BIG_DUMP).expectStatus().isAccepted());
        // Functional bound with a wide margin: 40 answers of 10 MB in all, none waiting
        // on the collector.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(this.meters.queuedBytes()).isLessThanOrEqualTo(64L * 1024 * 1024);
        assertThat(this.meters.inflight()).isLessThanOrEqualTo(8);

        await().atMost(Duration.ofSeconds(30)).until(this.meters::idle);
        Map<String, Long> counted = since(before);
        assertThat(counted.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(40);
        assertThat(counted.keySet()).isSubsetOf(outcomes).contains(primary);
        assertThat(this.meters.accountingHolds()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> poolGauge("active.connections") == 0);
        assertThat(poolGauge("total.connections")).isLessThanOrEqualTo(8);
        if (fault == Fault.HUGE_BODY) {
            // Each answer was cut off after 64 KB: far from the 1 GB the collector
            // offered per request.
            assertThat(collector.bodyBytesSent()).isLessThan(40L * 8 * 1024 * 1024);
        }
        readinessIsUp();

        collector.set(Fault.HEALTHY);
        long success = this.meters.forwarded("success");
        long healed = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            postJson("{\"uid\":2}").expectStatus().isAccepted();
            return this.meters.forwarded("success") > success;
        });
        assertThat(Duration.ofNanos(System.nanoTime() - healed)).isLessThan(BREAKER_WAIT.plusSeconds(6));
    }

    private void readinessIsUp() {
        this.management.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
    }

    private long poolGauge(String name) {
        // Reactor Netty registers pool meters globally: other test contexts' pools show
        // up too, so this collector's pool is picked by its address.
        return (long) this.registry.find("reactor.netty.connection.provider." + name)
            .tag("name", "dump")
            .tag("remote.address", URI.create(collector.url()).getAuthority())
            .gauges()
            .stream()
            .mapToDouble(Gauge::value)
            .sum();
    }

    private Map<String, Long> forwardedByOutcome() {
        return this.registry.get("dumps.forwarded")
            .counters()
            .stream()
            .collect(Collectors.toMap((c) -> c.getId().getTag("outcome"), (c) -> (long) c.count(), Long::sum));
    }

    private Map<String, Long> since(Map<String, Long> before) {
        return forwardedByOutcome().entrySet()
            .stream()
            .filter((e) -> e.getValue() > before.get(e.getKey()))
            .collect(Collectors.toMap(Map.Entry::getKey, (e) -> e.getValue() - before.get(e.getKey())));
    }

}
