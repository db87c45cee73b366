package io.dumpforwarder;

import java.time.Duration;

import io.dumpforwarder.support.Meters;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.awaitility.Awaitility.await;

/**
 * The real application on random ingest and management ports, reached over real sockets,
 * with clients of both ports and its meters. Subclasses bring the collector it forwards
 * to ({@code forwarder.dump-url}) and their settings; most extend
 * {@link AbstractServiceTests}, which brings the shared test collector.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
public abstract class AbstractAppTests {

    protected static final Duration WAIT = Duration.ofSeconds(10);

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

    /**
     * The breaker closed with an empty window. Through a transition first: Resilience4j's
     * {@code reset()} from open leaves the open state's timer to half-open running, which
     * would then move the next test's breaker on its own.
     */
    protected void closeBreaker() {
        if (breaker().getState() != CircuitBreaker.State.CLOSED) {
            breaker().transitionToClosedState();
        }
        breaker().reset();
    }

    protected void awaitIdle() {
        await().atMost(WAIT).until(this.meters::idle);
    }

    protected static String dump(int uid) {
        return "{\"uid\":" + uid + ",\"traceId\":\"t-" + uid + "\",\"scene\":\"home\",\"scores\":[0.1,0.2]}";
    }

}
