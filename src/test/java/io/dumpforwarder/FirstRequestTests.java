package io.dumpforwarder;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import io.dumpforwarder.support.FaultyCollector;
import io.dumpforwarder.support.FaultyCollector.Fault;
import io.dumpforwarder.support.RawConnection;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fresh JVM of the service, readiness UP, then requests one by one, each on a new
 * connection, while the collector hangs: the first is not an outlier against the next
 * hundred. Before the warm-up and the drain after the answer, it took 16 to 22 times
 * their p99 (123 and 196 ms against 8 and 9 ms); the bound here is three times, for the
 * noise of millisecond timings on a shared machine.
 */
class FirstRequestTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void theFirstRequestAfterReadinessIsNotAnOutlier() throws Exception {
        int port = freePort();
        int managementPort = freePort();
        try (FaultyCollector collector = new FaultyCollector()) {
            collector.set(Fault.HANG);
            Process service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), DumpForwarderApplication.class.getName(),
                    "--server.port=" + port, "--management.server.port=" + managementPort,
                    "--forwarder.dump-url=" + collector.url())
                .redirectErrorStream(true)
                .redirectOutput(new File("target/first-request-service.log"))
                .start();
            try {
                // The readiness probe's own requests warm this side's code too.
                await().atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> status(managementPort, "GET /actuator/health/readiness HTTP/1.1\r\nHost: x\r\n\r\n")
                        .startsWith("HTTP/1.1 200"));
                long[] micros = new long[101];
                String dump = AbstractAppTests.dump(1);
                String request = "POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + dump.length() + "\r\n\r\n" + dump;
                for (int i = 0; i < micros.length; i++) {
                    long started = System.nanoTime();
                    assertThat(status(port, request)).startsWith("HTTP/1.1 202");
                    micros[i] = (System.nanoTime() - started) / 1_000;
                }
                long[] next = Arrays.copyOfRange(micros, 1, micros.length);
                Arrays.sort(next);
                long p99 = next[98];
                assertThat(micros[0]).as("the first request (us) against 3 x the p99 of the next 100 (%d us)", p99)
                    .isLessThanOrEqualTo(3 * p99);
            }
            finally {
                service.destroyForcibly().waitFor();
            }
        }
    }

    private static String status(int port, String request) throws IOException {
        try (RawConnection connection = new RawConnection(port)) {
            return connection.send(request).readStatusLines(1)[0];
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

}
