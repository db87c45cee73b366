package io.dumpforwarder;

import java.time.Duration;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.TestCollector;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.awaitility.Awaitility.await;

/**
 * The real application on random ingest and management ports, reached over real sockets,
 * forwarding to a real collector. Subclasses bring their settings; each test starts with
 * the pipeline idle and the collector answering 204 at once with nothing recorded.
 * <p>
 * Choosing a base for a new test: a test of the running service extends this class and
 * joins the test class whose settings it needs (each distinct set of settings starts one
 * more application, cached for the run); it declares new settings only for a behaviour
 * that the defaults, or an existing class's settings, cannot show. A test that starts,
 * stops or fails to start the application itself uses {@code support.RunningApp}; one of
 * a single class, without the application, needs no base.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
public abstract class AbstractServiceTests {

    protected static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * The breaker never has enough calls to judge, so a test of something else never sees
     * it open.
     */
    protected static final String BREAKER_NEVER_OPENS = "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=1000000";

    /**
     * One collector for every test class: each class has its own application, all idle
     * between tests.
     */
    protected static final TestCollector collector = new TestCollector();

    @LocalServerPort
    protected int port;

    @LocalManagementPort
    protected int managementPort;

    @Autowired
    protected MeterRegistry registry;

    @Autowired
    private CircuitBreakerRegistry breakers;

    protected WebTestClient ingest;

    protected WebTestClient management;

    protected Meters meters;

    @DynamicPropertySource
    static void forwardToTheTestCollector(DynamicPropertyRegistry registry) {
        registry.add("forwarder.dump-url", collector::url);
    }

    @BeforeEach
    void connect() {
        this.ingest = WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + this.port)
            .responseTimeout(WAIT)
            .build();
        this.management = WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + this.managementPort)
            .responseTimeout(WAIT)
            .build();
        this.meters = new Meters(this.registry);
        awaitIdle();
        collector.reset();
    }

    protected WebTestClient.ResponseSpec postJson(String body) {
        return this.ingest.post().uri("/v1/dumps").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    protected WebTestClient.ResponseSpec postNdjson(String body) {
        return this.ingest.post().uri("/v1/dumps").contentType(MediaType.APPLICATION_NDJSON).bodyValue(body).exchange();
    }

    protected void accept(String body) {
        postJson(body).expectStatus().isAccepted();
    }

    /** The management port's Prometheus text, as Prometheus would scrape it. */
    protected String scrape() {
        return this.management.get()
            .uri("/actuator/prometheus")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    }

    /** The forwarder's circuit breaker. */
    protected CircuitBreaker breaker() {
        return this.breakers.circuitBreaker("dump");
    }

    protected void awaitIdle() {
        await().atMost(WAIT).until(this.meters::idle);
    }

    protected static String dump(int uid) {
        return "{\"uid\":" + uid + ",\"traceId\":\"t-" + uid + "\",\"scene\":\"home\",\"scores\":[0.1,0.2]}";
    }

}
