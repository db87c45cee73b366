package io.dumpforwarder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.dumpforwarder.support.RawConnection;
import io.dumpforwarder.support.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Input that is careless or hostile gets a clear refusal and harms no other caller: only
 * strict UTF-8 JSON is accepted, a refusal the codec gives is a problem too, a caller
 * waiting for 100 Continue is refused before it sends, and bodies that trickle in hold
 * little of the body budget for little time.
 */
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = { "forwarder.ingest.read-timeout=1s", "forwarder.ingest.request-timeout=3s",
        "server.netty.idle-timeout=60s", "forwarder.ingest.min-body-rate=1KB",
        "forwarder.ingest.max-inflight-bytes=1MB", "forwarder.max-request-size=1MB" })
class HostileInputTests extends AbstractServiceTests {

    /**
     * Not UTF-8, each with the offset of its first bad byte: overlong forms of '/', CR
     * and LF, a surrogate, a code point above U+10FFFF, a stray continuation byte, a cut
     * sequence, UTF-16 and UTF-32 with and without a byte order mark.
     */
    @ParameterizedTest
    @ValueSource(strings = { "7b2261223a22c0af227d:6", "7b2261223a22e080af227d:6", "7b2261223a22f08080af227d:6",
            "7b2261223a22c08d227d:6", "7b2261223a22c08a227d:6", "7b2261223a22eda080227d:6",
            "7b2261223a22f4908080227d:6", "7b2261223a2280227d:6", "7b2261223a22e282227d:6",
            "7b0022006100220020007d00:1", "feff007b0022006100220020007d:0", "fffe7b0022006100220020007d00:0",
            "7b000000220000006100000022000000:1", "0000feff0000007b:0" })
    void refusesWhatIsNotUtf8NamingTheOffset(String hexAndOffset) {
        String[] parts = hexAndOffset.split(":");
        byte[] body = HexFormat.of().parseHex(parts[0]);
        long invalid = this.meters.received("invalid");
        post(body, MediaType.APPLICATION_JSON).expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("invalid")
            .jsonPath("$.detail")
            .value((detail) -> assertThat((String) detail).startsWith("not UTF-8")
                .contains("at offset " + parts[1] + " "));
        assertThat(this.meters.received("invalid")).isEqualTo(invalid + 1);
        assertThat(collector.requests()).isEmpty();
    }

    @Test
    void refusesANonUtf8LineOfAnNdjsonBodyAndAcceptsTheOthers() {
        byte[] body = concat("{\"uid\":1}\n{\"uid\":\"".getBytes(StandardCharsets.UTF_8),
                new byte[] { (byte) 0xed, (byte) 0xa0, (byte) 0x80 }, "\"}\n{\"uid\":3}\n".getBytes());
        post(body, MediaType.parseMediaType("application/x-ndjson")).expectStatus()
            .isAccepted()
            .expectBody()
            .jsonPath("$.accepted")
            .isEqualTo(2)
            .jsonPath("$.errors[0].line")
            .isEqualTo(2)
            .jsonPath("$.errors[0].detail")
            .value((detail) -> assertThat((String) detail).contains("byte 0xED at offset 8"));
        awaitIdle();
        assertThat(collector.requests()).hasSize(2);
    }

    /** A UTF-8 byte order mark is dropped: the collector gets the dump without it. */
    @Test
    void dropsAUtf8ByteOrderMark() {
        byte[] dump = "{\"uid\":\"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        post(concat(new byte[] { (byte) 0xef, (byte) 0xbb, (byte) 0xbf }, dump), MediaType.APPLICATION_JSON)
            .expectStatus()
            .isAccepted();
        await().atMost(WAIT).until(() -> collector.requests().size() == 1);
        assertThat(collector.requests().get(0).body()).isEqualTo(dump);
    }

    @Test
    void theLastOfTwoUidsIsTheDumpsUid() {
        accept("{\"uid\":\"first\",\"uid\":\"last\",\"traceId\":\"a\",\"traceId\":\"b\"}");
        await().atMost(WAIT).until(() -> collector.requests().size() == 1);
        assertThat(collector.requests().get(0).headers().get("X-Uid")).isEqualTo("last");
        assertThat(collector.requests().get(0).headers().get("X-Trace-Id")).isEqualTo("b");
    }

    @Test
    void anNdjsonBodyOfBlankLinesIsCountedAndListed() {
        long invalid = this.meters.received("invalid");
        postNdjson("\n  \n\t\r\n\n").expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.outcome")
            .isEqualTo("invalid")
            .jsonPath("$.rejected")
            .isEqualTo(1)
            .jsonPath("$.errors[0].detail")
            .isEqualTo("no dump in the body: every line is blank");
        assertThat(this.meters.received("invalid")).isEqualTo(invalid + 1);
    }

    @Test
    void authorizationGivenTwiceIsRefused() {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("Authorization", "Bearer one", "Bearer two")
            .bodyValue(dump(1))
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.detail")
            .isEqualTo("Authorization is given more than once");
    }

    /** Refused before the body is sent: no 100 Continue, the answer at once. */
    @Test
    void aCallerWaitingFor100ContinueIsRefusedBeforeItSends() throws IOException {
        try (RawConnection tooLarge = new RawConnection(this.port)) {
            tooLarge.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 2000000\r\n\r\n");
            assertThat(tooLarge.readStatusLines(1)[0]).startsWith("HTTP/1.1 413");
        }
        try (RawConnection fits = new RawConnection(this.port)) {
            fits.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + dump(1).length() + "\r\n\r\n");
            assertThat(fits.readStatusLines(1)[0]).startsWith("HTTP/1.1 100");
            fits.send(dump(1));
            assertThat(fits.readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
        }
    }

    /** The answers the HTTP codec gives before any handler runs are problems too. */
    @ParameterizedTest
    @ValueSource(strings = { "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "Transfer-Encoding: chunked\r\n\r\nnothex\r\n" })
    void theCodecsRefusalsAreProblems(String rest) throws IOException {
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + rest);
            String answer = connection.readToEnd();
            assertThat(answer).startsWith("HTTP/1.1 400")
                .containsIgnoringCase("content-type: application/problem+json")
                .contains("\"status\":400", "\"outcome\":\"invalid\"", "not valid HTTP/1.1");
        }
    }

    /**
     * Four callers each declare a body of almost the whole budget and send a byte at a
     * time: the budget is reserved as bytes arrive, so a steady caller keeps being
     * served, and the minimum body rate ends the trickles.
     */
    @Test
    void fourTricklingBodiesNeitherBlockOthersNorStay() throws Exception {
        long tooSlow = this.meters.received("too_slow");
        ExecutorService tricklers = Executors.newFixedThreadPool(4);
        AtomicBoolean steadyDone = new AtomicBoolean();
        List<Future<String>> cut = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                cut.add(tricklers.submit(() -> {
                    try (RawConnection trickle = new RawConnection(this.port)) {
                        trickle.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                                + "Content-Length: 1000000\r\n\r\n{");
                        // A byte every 400 ms: within the 1 s read timeout, far under 1
                        // KB a second.
                        while (!steadyDone.get()) {
                            trickle.send(" ");
                            String answer = trickle.answerWithin(Duration.ofMillis(400));
                            if (answer != null) {
                                return answer;
                            }
                        }
                        return "still open";
                    }
                }));
            }
            await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.connections") >= 4);
            int accepted = 0;
            for (int i = 0; i < 100; i++) {
                accepted += (status(postJson(dump(i))) == 202) ? 1 : 0;
            }
            assertThat(accepted).isGreaterThanOrEqualTo(99);
            for (Future<String> trickle : cut) {
                assertThat(trickle.get(30, TimeUnit.SECONDS)).startsWith("HTTP/1.1 408");
            }
        }
        finally {
            steadyDone.set(true);
            tricklers.shutdownNow();
        }
        assertThat(this.meters.received("too_slow")).isEqualTo(tooSlow + 4);
        await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.inflight.bytes") == 0);
    }

    /**
     * Past forwarder.ingest.max-connections a new connection is closed as soon as it is
     * accepted, and counted; the callers already connected are served and their dumps
     * delivered.
     */
    @Test
    void connectionsPastTheCapAreRefusedAtAccept() throws IOException {
        try (RunningApp app = RunningApp.start("--forwarder.dump-url=" + collector.url(),
                "--forwarder.ingest.max-connections=3")) {
            List<RawConnection> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    open.add(new RawConnection(app.port()));
                }
                await().atMost(WAIT).until(() -> app.meters().gauge("dumps.ingest.connections") == 3);
                try (RawConnection refused = new RawConnection(app.port())) {
                    assertThat(refused.closedByPeer()).isTrue();
                }
                assertThat(app.meters().count("dumps.ingest.connections.refused")).isEqualTo(1);
                for (int i = 0; i < 3; i++) {
                    String dump = dump(i);
                    open.get(i)
                        .send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + dump.length() + "\r\n\r\n" + dump);
                    assertThat(open.get(i).readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
                }
            }
            finally {
                for (RawConnection connection : open) {
                    connection.close();
                }
            }
            await().atMost(WAIT).until(() -> app.meters().forwarded("success") == 3);
        }
    }

    /**
     * Headers trickling in, each within the read timeout: cut at the request timeout (3 s
     * here), not at the idle timeout (60 s), and counted.
     */
    @Test
    void headersTricklingInAreCutAtTheRequestTimeout() throws Exception {
        double before = this.meters.count("dumps.ingest.malformed", "status", "408");
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\n");
            long started = System.nanoTime();
            String answer = null;
            while (answer == null && Duration.ofNanos(System.nanoTime() - started).compareTo(WAIT) < 0) {
                connection.send("X-Slow: 1\r\n");
                answer = connection.answerWithin(Duration.ofMillis(300));
            }
            assertThat(answer).isNotNull();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(2500), WAIT);
        }
        await().atMost(WAIT).until(() -> this.meters.count("dumps.ingest.malformed", "status", "408") == before + 1);
    }

    /** A body that stalls past the read timeout is the caller's fault: no ERROR line. */
    @Test
    void stalledBodiesWriteNoErrorLine(CapturedOutput output) throws Exception {
        long invalid = this.meters.received("invalid");
        List<RawConnection> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                RawConnection connection = new RawConnection(this.port);
                stalled.add(connection);
                connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{\"uid\":");
            }
            await().atMost(WAIT).until(() -> this.meters.received("invalid") == invalid + 20);
        }
        finally {
            for (RawConnection connection : stalled) {
                connection.close();
            }
        }
        assertThat(output.getOut().lines().filter((line) -> line.contains("\"level\":\"ERROR\"")))
            .noneMatch((line) -> line.contains("ReadTimeoutException") || line.contains("onErrorDropped"));
    }

    private WebTestClient.ResponseSpec post(byte[] body, MediaType type) {
        return this.ingest.post().uri("/v1/dumps").contentType(type).bodyValue(body).exchange();
    }

    private static int status(WebTestClient.ResponseSpec response) {
        return response.returnResult(String.class).getStatus().value();
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

}
