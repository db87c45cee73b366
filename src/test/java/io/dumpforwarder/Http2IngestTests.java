package io.dumpforwarder;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.dumpforwarder.support.RawConnection;
import io.dumpforwarder.support.RawHttp2;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 with prior knowledge (h2c) on the ingest port, beside HTTP/1.1, with Reactor
 * Netty's HTTP/2 client: many streams on one connection, and every answer of the API per
 * stream, refusals included; a stream that stalls holds the body budget no longer than
 * the read timeout.
 */
@TestPropertySource(properties = { "forwarder.ingest.auth.enabled=true",
        "forwarder.ingest.auth.tokens=h2-token-of-the-test", "forwarder.max-request-size=1MB",
        "forwarder.max-dump-size=64KB", "forwarder.ingest.max-inflight-bytes=1MB", "forwarder.ingest.read-timeout=1s",
        "forwarder.ingest.http2.max-concurrent-streams=32" })
class Http2IngestTests extends AbstractServiceTests {

    private static final String NDJSON = "application/x-ndjson";

    private static final String TOKEN = "Bearer h2-token-of-the-test";

    private ConnectionProvider connections;

    private HttpClient h2c;

    @BeforeEach
    void h2cClient() {
        this.connections = ConnectionProvider.create("h2c-test", 1);
        this.h2c = HttpClient.create(this.connections)
            .protocol(HttpProtocol.H2C)
            .baseUrl("http://127.0.0.1:" + this.port)
            .headers((headers) -> headers.set("Authorization", TOKEN));
    }

    @AfterEach
    void closeClient() {
        this.connections.disposeLater().block(Duration.ofSeconds(5));
    }

    @Test
    void manyStreamsOnOneConnectionAreEachAcceptedAndDelivered() {
        double h2cBefore = connections("h2c");
        double http11Before = connections("http/1.1");
        long accepted = this.meters.received("accepted");

        List<Answer> answers = Flux.range(0, 200)
            .flatMap((i) -> post("{\"uid\":" + i + "}", "application/json", (headers) -> {
            }), 64)
            .collectList()
            .block(WAIT);

        assertThat(answers).hasSize(200).allSatisfy((answer) -> {
            assertThat(answer.status()).isEqualTo(202);
            assertThat(answer.version()).isEqualTo("HTTP/2.0");
            assertThat(answer.body()).contains("\"accepted\":1");
        });
        await().atMost(WAIT).until(() -> collector.requestCount() == 200);
        assertThat(this.meters.received("accepted")).isEqualTo(accepted + 200);
        assertThat(connections("h2c")).isEqualTo(h2cBefore + 1);
        assertThat(connections("http/1.1")).isEqualTo(http11Before);
        awaitIdle();
        assertThat(this.meters.accountingHolds()).isTrue();
    }

    @Test
    void everyRefusalIsAProblemOnItsOwnStreamAndTheConnectionServesOn() throws IOException {
        double h2cBefore = connections("h2c");

        assertProblem(post("{\"uid\":", "application/json", none()), 400, "invalid");
        assertProblem(post("{\"pad\":\"" + "p".repeat(65 * 1024) + "\"}", "application/json", none()), 413,
                "too_large");
        assertProblem(post("{}", "text/plain", none()), 415, "unsupported_media_type");
        Answer br = post("{}", "application/json", (headers) -> headers.set("Content-Encoding", "br")).block(WAIT);
        assertProblem(Mono.just(br), 415, "unsupported_media_type");
        assertThat(br.headers().get("Accept-Encoding")).isEqualTo("gzip, deflate, zstd, identity");
        Answer unauthorized = post("{}", "application/json", (headers) -> headers.remove("Authorization")).block(WAIT);
        assertProblem(Mono.just(unauthorized), 401, "unauthorized");
        assertThat(unauthorized.headers().get("WWW-Authenticate")).isEqualTo("Bearer");
        byte[] gzipped = ContentEncodingTests.gzip("{\"uid\":\"zipped\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(post(Unpooled.wrappedBuffer(gzipped), "application/json",
                (headers) -> headers.set("Content-Encoding", "gzip"))
            .block(WAIT)
            .status()).isEqualTo(202);

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).text()).isEqualTo("{\"uid\":\"zipped\"}");
        assertThat(connections("h2c")).as("one connection served every stream").isEqualTo(h2cBefore + 1);
    }

    @Test
    void aFullQueueIsRefused503WithRetryAfterPerStream() {
        collector.hold();
        try {
            Answer refused = Flux.range(0, 20_000)
                .concatMap((i) -> post("{\"uid\":" + i + "}", "application/json", none()))
                .filter((answer) -> answer.status() != 202)
                .blockFirst(Duration.ofSeconds(60));
            assertProblem(Mono.just(refused), 503, "queue_full");
            assertThat(refused.headers().get("Retry-After")).isEqualTo("1");
        }
        finally {
            collector.release();
        }
        awaitIdle();
    }

    @Test
    void aStalledStreamHoldsTheBodyBudgetNoLongerThanTheReadTimeout() {
        long inflightFull = this.meters.received("inflight_full");
        String lines = ("{\"pad\":\"" + "p".repeat(1000) + "\"}\n").repeat(700);
        Sinks.Many<ByteBuf> stalled = Sinks.many().unicast().onBackpressureBuffer();
        stalled.tryEmitNext(Unpooled.copiedBuffer(lines, StandardCharsets.UTF_8));
        Mono<Integer> stalledAnswer = this.h2c.headers((headers) -> headers.set("Content-Type", NDJSON))
            .post()
            .uri("/v1/dumps")
            .send(stalled.asFlux())
            .response()
            .map((response) -> response.status().code())
            .onErrorReturn(-1)
            .cache();
        stalledAnswer.subscribe();
        await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.inflight.bytes") >= lines.length() / 2.0);

        // The budget (1 MB) cannot hold another such body beside the stalled one's part.
        assertProblem(post(lines, NDJSON, none()), 503, "inflight_full");
        assertThat(this.meters.received("inflight_full")).isEqualTo(inflightFull + 1);

        // The read timeout (1 s) ends the stalled stream, and its budget is back.
        await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.inflight.bytes") == 0);
        assertThat(stalledAnswer.block(WAIT)).isNotEqualTo(202);
        assertThat(post("{\"uid\":3}", "application/json", none()).block(WAIT).status()).isEqualTo(202);
    }

    /**
     * The server's SETTINGS frame, read off a raw socket after the connection preface:
     * the streams a connection may open, and the header list bounded as HTTP/1.1's
     * headers are (server.max-http-request-header-size, 8 KB).
     */
    @Test
    void theServerAnnouncesItsBoundsOnStreamsAndHeaders() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 });
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            Map<Integer, Long> settings = new HashMap<>();
            while (settings.isEmpty()) {
                int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt();
                byte[] payload = in.readNBytes(length);
                if (type == 4 && (flags & 1) == 0) {
                    ByteBuffer entries = ByteBuffer.wrap(payload);
                    while (entries.remaining() >= 6) {
                        settings.put((int) entries.getShort(), entries.getInt() & 0xffffffffL);
                    }
                }
            }
            assertThat(settings).containsEntry(0x3, 32L).containsEntry(0x6, 8192L);
        }
    }

    /**
     * {@code Upgrade: h2c} with a body, as {@code curl --http2} sends it: the Upgrade is
     * ignored and the request answered over HTTP/1.1 like any other, and counted (before:
     * Netty's bare 413, the connection closed, nothing counted).
     */
    @Test
    void anH2cUpgradeWithABodyIsServedAsHttp11() throws IOException {
        long accepted = this.meters.received("accepted");
        String dump = "{\"uid\":\"upgrade\"}";
        try (RawConnection connection = new RawConnection(this.port)) {
            connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nAuthorization: " + TOKEN + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + dump.length() + "\r\n\r\n" + dump);
            assertThat(connection.readStatusLines(1)[0]).isEqualTo("HTTP/1.1 202 Accepted");
        }
        assertThat(this.meters.received("accepted")).isEqualTo(accepted + 1);
    }

    /**
     * Streams HTTP/2 itself refuses as malformed before any request is read from them are
     * counted, once each: a header list over 8 KB (answered 431), a header name in
     * capitals; the connection serves on (before: counted nowhere).
     */
    @Test
    void streamsRefusedByHttp2AreCounted() throws IOException {
        double malformed = this.meters.count("dumps.ingest.streams.malformed");
        long received = this.meters.received("invalid") + this.meters.received("accepted");
        byte[] dump = "{\"uid\":\"h2\"}".getBytes(StandardCharsets.UTF_8);
        try (RawHttp2 h2 = new RawHttp2(this.port, -1)) {
            h2.post("application/json", dump.length, dump, "x-big", "b".repeat(10_000));
            h2.post("application/json", dump.length, dump, "X-Capitals", "1");
            h2.flush();
            await().atMost(WAIT).until(() -> this.meters.count("dumps.ingest.streams.malformed") == malformed + 2);
        }
        assertThat(post("{\"uid\":4}", "application/json", none()).block(WAIT).status()).isEqualTo(202);
        assertThat(this.meters.count("dumps.ingest.streams.malformed")).isEqualTo(malformed + 2);
        assertThat(this.meters.received("invalid") + this.meters.received("accepted")).isEqualTo(received + 1);
    }

    @Test
    void http11StillWorksOnTheSamePort() {
        double http11Before = connections("http/1.1");
        this.ingest.post()
            .uri("/v1/dumps")
            .header("Authorization", TOKEN)
            .header("Content-Type", "application/json")
            .bodyValue("{\"uid\":\"h1\"}")
            .exchange()
            .expectStatus()
            .isAccepted();
        assertThat(connections("http/1.1")).isGreaterThan(http11Before);
    }

    private double connections(String protocol) {
        return this.meters.count("dumps.ingest.connections.opened", "protocol", protocol);
    }

    private static Consumer<HttpHeaders> none() {
        return (headers) -> {
        };
    }

    private Mono<Answer> post(String body, String contentType, Consumer<HttpHeaders> headers) {
        return post(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), contentType, headers);
    }

    private Mono<Answer> post(ByteBuf body, String contentType, Consumer<HttpHeaders> headers) {
        return this.h2c.headers((all) -> headers.accept(all.set("Content-Type", contentType)))
            .post()
            .uri("/v1/dumps")
            .send(Mono.just(body))
            .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .map((text) -> new Answer(response.status().code(), response.version(), response.responseHeaders(),
                        text)));
    }

    private static void assertProblem(Mono<Answer> answer, int status, String outcome) {
        Answer answered = answer.block(WAIT);
        assertThat(answered.status()).as(answered.body()).isEqualTo(status);
        assertThat(answered.version()).isEqualTo("HTTP/2.0");
        assertThat(answered.headers().get("Content-Type")).isEqualTo("application/problem+json");
        assertThat(answered.body()).contains("\"outcome\":\"" + outcome + "\"");
    }

    record Answer(int status, String version, HttpHeaders headers, String body) {

        Answer(int status, HttpVersion version, HttpHeaders headers, String body) {
            this(status, version.text(), headers, body);
        }

    }

}
