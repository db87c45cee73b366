package io.dumpforwarder;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.TestDownstream;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Graceful shutdown: stop admitting, drain for the drain timeout, count what is left as
 * shutdown.
 */
class ShutdownTests {

    static final TestDownstream downstream = new TestDownstream();

    @AfterAll
    static void close() {
        downstream.close();
    }

    @Test
    void drainsTheQueueWhenTheDownstreamAnswersWithinTheDrainTimeout() {
        downstream.reset();
        downstream.answer(204, Duration.ofMillis(50));
        ConfigurableApplicationContext app = start("5s");
        Meters meters = new Meters(app.getBean(MeterRegistry.class));
        WebTestClient ingest = ingest(app);
        IntStream.range(0, 20).forEach((i) -> post(ingest, i).expectStatus().isAccepted());

        app.close();

        assertThat(meters.forwarded("success")).isEqualTo(20);
        assertThat(meters.forwarded("shutdown")).isZero();
        assertThat(downstream.requestCount()).isEqualTo(20);
    }

    @Test
    void refusesNewDumpsWhileDrainingAndCountsWhatIsLeftAsShutdown() {
        downstream.reset();
        downstream.hold();
        ConfigurableApplicationContext app = start("1s");
        Meters meters = new Meters(app.getBean(MeterRegistry.class));
        WebTestClient ingest = ingest(app);
        IntStream.range(0, 6).forEach((i) -> post(ingest, i).expectStatus().isAccepted());
        await().atMost(Duration.ofSeconds(5)).until(() -> downstream.activeRequests() == 2);

        long started = System.nanoTime();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(app::close);
        ApplicationAvailability availability = app.getBean(ApplicationAvailability.class);
        await().atMost(Duration.ofSeconds(5))
            .until(() -> availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC);
        await().atMost(Duration.ofSeconds(5)).until(() -> status(post(ingest, 99)) == 503);
        post(ingest, 100).expectStatus()
            .isEqualTo(503)
            .expectHeader()
            .valueEquals("Connection", "close")
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("unavailable");
        assertThat(closing).isNotDone();
        closing.join();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1))
            .isLessThan(Duration.ofSeconds(8));
        assertThat(meters.received("unavailable")).isEqualTo(2);
        assertThat(meters.received("accepted")).isGreaterThanOrEqualTo(6);
        assertThat(meters.forwarded("shutdown")).isEqualTo(meters.received("accepted"));
        assertThat(meters.accountingHolds()).isTrue();
        assertThat(meters.idle()).isTrue();
    }

    private static int status(WebTestClient.ResponseSpec response) {
        return response.returnResult(String.class).getStatus().value();
    }

    private static ConfigurableApplicationContext start(String drainTimeout) {
        return new SpringApplicationBuilder(DumpForwarderApplication.class).run("--server.port=0",
                "--management.server.port=0", "--forwarder.max-concurrency=2",
                "--forwarder.shutdown.drain-timeout=" + drainTimeout, "--forwarder.client.response-timeout=30s",
                "--forwarder.client.attempt-timeout=30s", "--forwarder.dump-url=" + downstream.url());
    }

    private static WebTestClient ingest(ConfigurableApplicationContext app) {
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
    }

    private static WebTestClient.ResponseSpec post(WebTestClient ingest, int uid) {
        return ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue("{\"uid\":" + uid + "}")
            .exchange();
    }

}
