package io.dumpforwarder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.dumpforwarder.support.RawConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ingest API against a healthy collector: what is accepted arrives intact, what is
 * refused leaves no trace.
 */
@TestPropertySource(properties = { "forwarder.max-dump-size=64KB", "forwarder.max-request-size=256KB" })
class IngestApiTests extends AbstractServiceTests {

    @Test
    void deliversEveryDumpByteForByteWithoutReserialising() {
        List<String> sent = new ArrayList<>();
        sent.add("{\"uid\":9007199254740993,\"traceId\":\"abc\",\"score\":1.000000000000000000001}");
        sent.add(
                "{ \"uid\" : \"u-1\" ,\n  \"candidates\": [ {\"id\": 1, \"s\": 1e3} ],\"name\":\"caf\u00e9 \u2603\" }");
        for (int i = 0; i < 48; i++) {
            sent.add(dump(i));
        }
        sent.forEach(this::accept);

        await().atMost(WAIT).until(() -> collector.requestCount() == sent.size());
        assertThat(collector.requests()).map((request) -> new String(request.body(), StandardCharsets.UTF_8))
            .containsExactlyInAnyOrderElementsOf(sent);
        assertThat(collector.requests())
            .filteredOn((request) -> new String(request.body(), StandardCharsets.UTF_8).contains("9007199254740993"))
            .singleElement()
            .satisfies((request) -> {
                assertThat(request.headers().get("X-Uid")).isEqualTo("9007199254740993");
                assertThat(request.headers().get("Content-Type")).isEqualTo("application/json");
            });
    }

    @Test
    void answersAcceptedWithACount() {
        postJson(dump(1)).expectStatus().isAccepted().expectBody().jsonPath("$.accepted").isEqualTo(1);
    }

    @Test
    void timesEveryAnswerOnceUnderItsOutcome() {
        long accepted = answers("accepted");
        long unsupported = answers("unsupported_media_type");
        postJson(dump(3)).expectStatus().isAccepted();
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.TEXT_PLAIN)
            .bodyValue(dump(4))
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);

        await().atMost(WAIT)
            .until(() -> answers("accepted") == accepted + 1 && answers("unsupported_media_type") == unsupported + 1);
    }

    @Test
    void servesTheIngestPathWithAQueryButNotOnTheManagementPort() {
        this.ingest.post()
            .uri("/v1/dumps?source=test")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(dump(5))
            .exchange()
            .expectStatus()
            .isAccepted();
        this.management.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(dump(6))
            .exchange()
            .expectStatus()
            .is4xxClientError();
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
    }

    private long answers(String outcome) {
        return this.registry.get("dumps.ingest").tag("outcome", outcome).timer().count();
    }

    @Test
    void acceptsUtf8CharsetParameter() {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.parseMediaType("application/json; charset=utf-8"))
            .bodyValue(dump(2))
            .exchange()
            .expectStatus()
            .isAccepted();
    }

    @Test
    void traceparentHeaderWinsOverXTraceIdAndTheBody() {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            .header("X-Trace-Id", "from-header")
            .bodyValue("{\"uid\":\"u\",\"traceId\":\"from-body\"}")
            .exchange()
            .expectStatus()
            .isAccepted();
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("X-Trace-Id", "from-header")
            .bodyValue("{\"uid\":\"v\",\"traceId\":\"from-body\"}")
            .exchange()
            .expectStatus()
            .isAccepted();
        accept("{\"uid\":\"w\",\"traceId\":\"from-body\"}");

        await().atMost(WAIT).until(() -> collector.requestCount() == 3);
        assertThat(collector.requests())
            .extracting((r) -> r.headers().get("X-Uid") + "=" + r.headers().get("X-Trace-Id"))
            .containsExactlyInAnyOrder("u=4bf92f3577b34da6a3ce929d0e0e4736", "v=from-header", "w=from-body");
        // Tracing is off by default: no span, so no traceparent of the service's own.
        assertThat(collector.requests()).allSatisfy((r) -> assertThat(r.headers().get("traceparent")).isNull());
        assertThat(collector.requests()).extracting((r) -> r.headers().get("Idempotency-Key"))
            .doesNotHaveDuplicates()
            .allSatisfy((key) -> assertThat(key).matches("[0-9a-f]{16}-[0-9a-f]+"));
    }

    /**
     * A caller's own Idempotency-Key becomes its dump's key (with the line number after a
     * colon for each dump of an NDJSON body), so its retries carry the same keys; without
     * one, the dump gets a key of this process's.
     */
    @Test
    void aCallersIdempotencyKeyIsTheKeyOfItsDumps() {
        String longest = "k".repeat(255);
        for (String key : List.of("retry-7f3a", longest)) {
            this.ingest.post()
                .uri("/v1/dumps")
                .contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", key)
                .bodyValue("{\"uid\":\"" + key.length() + "\"}")
                .exchange()
                .expectStatus()
                .isAccepted();
        }
        postJson("{\"uid\":\"none\"}").expectStatus().isAccepted();
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.parseMediaType("application/x-ndjson"))
            .header("Idempotency-Key", "batch-9")
            .bodyValue("{\"uid\":\"n1\"}\n\n{\"uid\":\"n3\"}\n")
            .exchange()
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> collector.requestCount() == 5);
        Map<String, String> keys = new HashMap<>();
        collector.requests().forEach((r) -> keys.put(r.headers().get("X-Uid"), r.headers().get("Idempotency-Key")));
        assertThat(keys).containsEntry("10", "retry-7f3a")
            .containsEntry("255", longest)
            .containsEntry("n1", "batch-9:1")
            .containsEntry("n3", "batch-9:3");
        assertThat(keys.get("none")).matches("[0-9a-f]{16}-[0-9a-f]+");
    }

    static Stream<Arguments> invalidIdempotencyKeys() {
        return Stream.of(Arguments.of("empty", ""), Arguments.of("256 characters", "k".repeat(256)),
                Arguments.of("a space inside", "retry 7f3a"), Arguments.of("a tab inside", "retry\t7f3a"),
                Arguments.of("a Latin-1 letter", "caf\u00e9"));
    }

    /**
     * A key the service cannot use is refused rather than dropped: dropped, it would
     * leave the caller's retries undeduplicated without its knowing.
     */
    @ParameterizedTest(name = "{0} gets 400")
    @MethodSource("invalidIdempotencyKeys")
    void refusesAnInvalidIdempotencyKeyNamingTheHeader(String what, String key) {
        long invalid = this.meters.received("invalid");

        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key)
            .bodyValue(dump(1))
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.status")
            .isEqualTo(400)
            .jsonPath("$.outcome")
            .isEqualTo("invalid")
            .jsonPath("$.detail")
            .value((detail) -> assertThat((String) detail).contains("Idempotency-Key")
                .contains("1 to 255 visible ASCII characters"));

        assertThat(this.meters.received("invalid")).isEqualTo(invalid + 1);
        assertNothingForwarded();
    }

    @Test
    void refusesTwoIdempotencyKeys() {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "retry-1")
            .header("Idempotency-Key", "retry-2")
            .bodyValue(dump(1))
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.detail")
            .value((detail) -> assertThat((String) detail).contains("Idempotency-Key").contains("more than once"));
        assertNothingForwarded();
    }

    /**
     * The key is judged from the headers alone, as a Content-Encoding is: the 400 goes
     * out though the body has not arrived.
     */
    @Test
    void refusesAnInvalidIdempotencyKeyBeforeTheBodyArrives() throws IOException {
        try (RawConnection connection = new RawConnection(this.port)) {
            String head = "POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Idempotency-Key: retry 7f3a\r\nContent-Length: 1000\r\n\r\n{\"uid\":";
            assertThat(connection.send(head).readStatusLines(1)[0]).startsWith("HTTP/1.1 400");
        }
        assertNothingForwarded();
    }

    @Test
    void passesNoCallerHeaderThroughAndNoUnsafeIdentifier() {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("Authorization", "Bearer secret")
            .header("X-Injected", "yes")
            .header("Cookie", "a=b")
            .bodyValue("{\"uid\":\"evil\\r\\nX-Injected: yes\",\"traceId\":\"ok\"}")
            .exchange()
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).headers().names()).map(String::toLowerCase)
            .doesNotContain("authorization", "x-injected", "cookie", "x-uid")
            .contains("x-trace-id");
    }

    @Test
    void ndjsonQueuesTheGoodLinesAndReportsTheBadOnes() {
        long accepted = this.meters.received("accepted");
        long invalid = this.meters.received("invalid");
        long tooLarge = this.meters.received("too_large");
        String huge = "{\"uid\":1,\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";
        String body = String.join("\n", dump(1), "{\"uid\":", "", dump(2), "[1,2]", huge, dump(3) + "\r") + "\n";

        postNdjson(body).expectStatus()
            .isAccepted()
            .expectBody()
            .jsonPath("$.accepted")
            .isEqualTo(3)
            .jsonPath("$.rejected")
            .isEqualTo(3)
            .jsonPath("$.errors[*].line")
            .isEqualTo(List.of(2, 5, 6))
            .jsonPath("$.errors[*].outcome")
            .isEqualTo(List.of("invalid", "invalid", "too_large"));

        await().atMost(WAIT).until(() -> collector.requestCount() == 3);
        assertThat(collector.requests()).map((r) -> new String(r.body(), StandardCharsets.UTF_8))
            .containsExactlyInAnyOrder(dump(1), dump(2), dump(3));
        assertThat(this.meters.received("accepted")).isEqualTo(accepted + 3);
        assertThat(this.meters.received("invalid")).isEqualTo(invalid + 2);
        assertThat(this.meters.received("too_large")).isEqualTo(tooLarge + 1);
    }

    @Test
    void ndjsonWithoutAnyValidLineIsABadRequest() {
        postNdjson("nope\n[]\n").expectStatus()
            .isBadRequest()
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.errors.length()")
            .isEqualTo(2);
        assertNothingForwarded();
    }

    static Stream<Arguments> badRequests() {
        String deep = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        return Stream.of(Arguments.of("malformed JSON", "application/json", "{\"uid\":1", 400, "invalid"),
                Arguments.of("an array", "application/json", "[1,2]", 400, "invalid"),
                Arguments.of("a bare string", "application/json", "\"dump\"", 400, "invalid"),
                Arguments.of("two objects", "application/json", "{}{}", 400, "invalid"),
                Arguments.of("an empty body", "application/json", "", 400, "invalid"),
                Arguments.of("10000 levels of nesting", "application/json", deep, 400, "invalid"),
                Arguments.of("an over-long number", "application/json", "{\"n\":" + "9".repeat(5000) + "}", 400,
                        "invalid"),
                Arguments.of("no content type", null, dump(1), 415, "unsupported_media_type"),
                Arguments.of("text/plain", "text/plain", dump(1), 415, "unsupported_media_type"),
                Arguments.of("a Latin-1 charset", "application/json; charset=iso-8859-1", dump(1), 415,
                        "unsupported_media_type"),
                Arguments.of("a body over max-dump-size", "application/json",
                        "{\"pad\":\"" + "x".repeat(65 * 1024) + "\"}", 413, "too_large"),
                Arguments.of("an NDJSON body over max-request-size", "application/x-ndjson",
                        (dump(1) + "\n").repeat(300 * 1024 / dump(1).length()), 413, "too_large"));
    }

    @ParameterizedTest(name = "{0} gets {3}")
    @MethodSource("badRequests")
    void refusesBadInputWithAProblemAndForwardsNothing(String what, String contentType, String body, int status,
            String outcome) {
        long before = this.meters.received(outcome);
        WebTestClient.RequestBodySpec request = this.ingest.post().uri("/v1/dumps");
        if (contentType != null) {
            request.contentType(MediaType.parseMediaType(contentType));
        }
        request.bodyValue(body.getBytes(StandardCharsets.UTF_8))
            .exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.status")
            .isEqualTo(status)
            .jsonPath("$.outcome")
            .isEqualTo(outcome)
            .jsonPath("$.detail")
            .isNotEmpty();
        assertThat(this.meters.received(outcome)).isEqualTo(before + 1);
        assertNothingForwarded();
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] body = { '{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}' };
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.detail")
            .value((detail) -> assertThat(detail.toString()).containsIgnoringCase("UTF-8"));
        assertNothingForwarded();
    }

    @Test
    void refusesAChunkedBodyOverTheLimitWithoutReadingItAll() {
        long before = this.meters.received("too_large");
        DefaultDataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;
        byte[] chunk = new byte[8 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        Flux<DataBuffer> body = Flux.concat(Flux.just(buffers.wrap("{\"pad\":\"".getBytes(StandardCharsets.UTF_8))),
                Flux.range(0, 64).map((i) -> buffers.wrap(chunk.clone())));

        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .body(body, DataBuffer.class)
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
        assertThat(this.meters.received("too_large")).isEqualTo(before + 1);
        assertNothingForwarded();
    }

    @Test
    void answersABodyDeclaredFarOverTheLimitAtOnceAndClosesWithoutReadingIt() throws IOException {
        long before = this.meters.received("too_large");
        try (RawConnection connection = new RawConnection(this.port)) {
            String answer = connection
                .send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100000000\r\n\r\n{\"uid\":")
                .readToEnd();

            assertThat(answer).startsWith("HTTP/1.1 413")
                .containsIgnoringCase("connection: close")
                .contains("too_large");
        }
        assertThat(this.meters.received("too_large")).isEqualTo(before + 1);
        assertNothingForwarded();
    }

    @Test
    void keepsTheConnectionAfterReadingThroughABodyOverTheLimit() throws IOException {
        String big = "{\"pad\":\"" + "x".repeat(65 * 1024) + "\"}";
        try (RawConnection connection = new RawConnection(this.port)) {
            assertThat(connection.send(jsonRequest(big)).readStatusLines(1)[0]).startsWith("HTTP/1.1 413");
            assertThat(connection.send(jsonRequest(dump(7))).readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
        }
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
    }

    private static String jsonRequest(String body) {
        return "POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    @Test
    void unknownPathsAndMethodsGetProblemsToo() {
        this.ingest.get()
            .uri("/v1/dumps")
            .exchange()
            .expectStatus()
            .isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
            .expectHeader()
            .valueEquals("Allow", "POST");
        this.ingest.post()
            .uri("/v1/other")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue("{}")
            .exchange()
            .expectStatus()
            .isNotFound()
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    /**
     * Nothing is queued or in flight, and the collector saw nothing since the test began.
     */
    private void assertNothingForwarded() {
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
        assertThat(collector.requestCount()).isZero();
    }

}
