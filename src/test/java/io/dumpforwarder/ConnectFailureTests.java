package io.dumpforwarder;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A downstream port where nothing listens: every dump is counted as a connect error, ingest is unaffected,
 * and the service stays ready: a dead collector must not take the forwarder out of service.
 */
class ConnectFailureTests extends ServiceTest {

    @DynamicPropertySource
    static void closedPort(DynamicPropertyRegistry registry) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        registry.add("forwarder.dump-url", () -> "http://127.0.0.1:" + port + "/dumps");
    }

    @Test
    void countsAClosedPortAsAConnectError() {
        accept(dump(1));
        accept(dump(2));

        await().atMost(WAIT).until(() -> this.meters.forwarded("connect_error") == 2);
        assertThat(this.meters.accountingHolds()).isTrue();
        this.management.get()
            .uri("/actuator/health/readiness")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .jsonPath("$.status")
            .isEqualTo("UP");
    }

}
