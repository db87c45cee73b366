package io.dumpforwarder;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.dumpforwarder.support.RawConnection;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Callers that misbehave at the HTTP level: too much header, slow or unfinished requests,
 * truncated bodies, thousands of idle connections, HTTP/1.0 and pipelining. Each is
 * refused or cut off, nothing of it is forwarded, and other callers go on being served.
 */
@TestPropertySource(properties = { "forwarder.ingest.read-timeout=500ms", "forwarder.ingest.request-timeout=2s",
        "server.netty.idle-timeout=2s" })
class IngestAbuseTests extends AbstractServiceTests {

    private static final String DUMP = "{\"uid\":7,\"traceId\":\"raw\"}";

    @Test
    void refusesHeadersOverTheLimitWith431() throws IOException {
        long before = refusedByTheCodec("431");
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000) + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + DUMP.length() + "\r\n\r\n" + DUMP);
            assertThat(connection.readStatusLines(1)[0]).startsWith("HTTP/1.1 431");
        }
        await().atMost(WAIT).until(() -> refusedByTheCodec("431") == before + 1);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void refusesTooManyHeadersWith431() throws IOException {
        long before = refusedByTheCodec("431");
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            headers.append("X-H").append(i).append(": v\r\n");
        }
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\n" + headers + "Content-Type: application/json\r\n"
                    + "Content-Length: " + DUMP.length() + "\r\n\r\n" + DUMP);
            assertThat(connection.readStatusLines(1)[0]).startsWith("HTTP/1.1 431");
        }
        await().atMost(WAIT).until(() -> refusedByTheCodec("431") == before + 1);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void refusesARequestLineThatIsNotHttpWith400AndCountsIt() throws IOException {
        long before = refusedByTheCodec("400");
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1 and more\r\nHost: x\r\n\r\n");
            assertThat(connection.readStatusLines(1)[0]).startsWith("HTTP/1.1 400");
        }
        await().atMost(WAIT).until(() -> refusedByTheCodec("400") == before + 1);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void countsTheCallersOpenConnections() throws IOException {
        await().atMost(WAIT).until(() -> openConnections() == 0);
        try (RawConnection first = new RawConnection(this.port); RawConnection second = new RawConnection(this.port)) {
            first.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + DUMP.length() + "\r\n\r\n" + DUMP);
            assertThat(first.readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
            await().atMost(WAIT).until(() -> openConnections() == 2);
        }
        await().atMost(WAIT).until(() -> openConnections() == 0);
    }

    @Test
    void refusesAnOverlongRequestLineWith414() throws IOException {
        long before = refusedByTheCodec("414");
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps?" + "q".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(connection.readStatusLines(1)[0]).startsWith("HTTP/1.1 414");
        }
        await().atMost(WAIT).until(() -> refusedByTheCodec("414") == before + 1);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void cutsOffACallerSendingItsBodyByteByByte() throws Exception {
        long invalid = this.meters.received("invalid");
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + DUMP.length() + "\r\n\r\n{");
            long started = System.nanoTime();
            // Slower than the 500 ms read timeout: the service closes the connection.
            sendUntilClosed(connection, "\"", Duration.ofMillis(700), Duration.ofSeconds(20));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        }
        await().atMost(WAIT).until(() -> this.meters.received("invalid") == invalid + 1);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void cutsOffACallerThatNeverFinishesItsRequest() throws Exception {
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\n");
            long started = System.nanoTime();
            // Five times faster than the read timeout, but never done: the 2 s request
            // timeout ends it, not before.
            sendUntilClosed(connection, "X-Slow: 1\r\n", Duration.ofMillis(100), Duration.ofSeconds(20));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(1500),
                    Duration.ofSeconds(15));
        }
        assertNothingForwardedAndStillServing();
    }

    /**
     * A body that arrives fast enough for the minimum rate but is not in within the
     * request timeout (2 s here): 408 too_slow, every time, and the connection closed.
     */
    @Test
    void aBodyStillArrivingAtTheRequestTimeoutIsRefused408() throws Exception {
        long tooSlow = this.meters.received("too_slow");
        long invalid = this.meters.received("invalid");
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000000\r\n\r\n{\"uid\":7,\"pad\":\"");
            long started = System.nanoTime();
            String answer = null;
            while (answer == null && Duration.ofNanos(System.nanoTime() - started).compareTo(WAIT) < 0) {
                // 400 bytes every 200 ms: twice the minimum rate.
                connection.send("a".repeat(400));
                answer = connection.answerWithin(Duration.ofMillis(200));
            }
            // The answer goes out before the connection closes; bytes the caller still
            // sends may reset the connection before it reads the answer.
            assertThat(answer).isNotNull();
            if (!answer.isEmpty()) {
                assertThat(answer).startsWith("HTTP/1.1 408").contains("too_slow");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(1500));
        }
        await().atMost(WAIT).until(() -> this.meters.received("too_slow") == tooSlow + 1);
        assertThat(this.meters.received("invalid")).isEqualTo(invalid);
        await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.inflight.bytes") == 0);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void aTruncatedBodyIsCountedAndNotForwarded() throws IOException {
        long invalid = this.meters.received("invalid");
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send(
                    "POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                            + DUMP);
            connection.endOutput();
            assertThat(connection.closedByPeer()).isTrue();
        }
        await().atMost(WAIT).until(() -> this.meters.received("invalid") == invalid + 1);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void refuses100000LevelsOfNestingWithoutDescendingIntoThem() {
        long invalid = this.meters.received("invalid");
        String deep = "[".repeat(100_000) + "]".repeat(100_000);

        postJson("{\"a\":" + deep + "}").expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.detail")
            .value((detail) -> assertThat(detail.toString()).contains("depth"));

        assertThat(this.meters.received("invalid")).isEqualTo(invalid + 1);
        assertNothingForwardedAndStillServing();
    }

    @Test
    void thousandsOfIdleConnectionsNeitherStarveOthersNorStayOpen() throws IOException {
        List<RawConnection> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 2000; i++) {
                idle.add(new RawConnection(this.port));
            }
            long started = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                accept(dump(i));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            await().atMost(WAIT).until(() -> collector.requestCount() == 20);
            // The 2 s idle timeout closes them.
            for (RawConnection connection : idle.subList(0, 20)) {
                assertThat(connection.closedByPeer()).isTrue();
            }
        }
        finally {
            for (RawConnection connection : idle) {
                connection.close();
            }
        }
    }

    @Test
    void answersHttp10AndClosesTheConnection() throws IOException {
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: "
                    + DUMP.length() + "\r\n\r\n" + DUMP);
            String answer = connection.readToEnd();
            assertThat(answer).matches("(?s)HTTP/1\\.[01] 202 .*\\{\"accepted\":1}");
        }
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
    }

    @Test
    void answersPipelinedRequestsInOrder() throws IOException {
        String request = "POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + DUMP.length() + "\r\n\r\n" + DUMP;
        String bad = "POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n[1]";
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send(request + bad + request);
            assertThat(connection.readStatusLines(3)).extracting((line) -> line.substring(9, 12))
                .containsExactly("202", "400", "202");
        }
        await().atMost(WAIT).until(() -> collector.requestCount() == 2);
    }

    /** Keeps sending a little at a time until the service closes the connection. */
    private static void sendUntilClosed(RawConnection connection, String text, Duration every, Duration atMost) {
        await().atMost(atMost).pollInterval(every).until(() -> {
            try {
                connection.send(text);
                return false;
            }
            catch (IOException ex) {
                return true;
            }
        });
    }

    private long openConnections() {
        return (long) this.meters.gauge("dumps.ingest.connections");
    }

    /** Requests the HTTP codec refused before any handler saw them. */
    private long refusedByTheCodec(String status) {
        return (long) this.meters.count("dumps.ingest.malformed", "status", status);
    }

    private void assertNothingForwardedAndStillServing() {
        awaitIdle();
        assertThat(collector.requestCount()).isZero();
        assertThat(this.meters.accountingHolds()).isTrue();
        accept(dump(1));
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
    }

}
