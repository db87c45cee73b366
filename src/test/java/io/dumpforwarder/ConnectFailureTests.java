package io.dumpforwarder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;

import io.dumpforwarder.support.Meters;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No collector at all, only a port where nothing listens: every dump is counted as a connect error, ingest
 * is unaffected, and the service stays ready, since a dead collector must not take the forwarder out of service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
class ConnectFailureTests {

    @DynamicPropertySource
    static void closedPort(DynamicPropertyRegistry registry) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        registry.add("forwarder.dump-url", () -> "http://127.0.0.1:" + port + "/dumps");
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    MeterRegistry registry;

    @Test
    void countsAClosedPortAsAConnectErrorAndStaysReady() {
        Meters meters = new Meters(this.registry);
        WebTestClient ingest = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).build();
        for (int uid = 0; uid < 2; uid++) {
            ingest.post()
                .uri("/v1/dumps")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"uid\":" + uid + "}")
                .exchange()
                .expectStatus()
                .isAccepted();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> meters.forwarded("connect_error") == 2);
        assertThat(meters.accountingHolds()).isTrue();
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + this.managementPort)
            .build()
            .get()
            .uri("/actuator/health/readiness")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .jsonPath("$.status")
            .isEqualTo("UP");
    }

}
