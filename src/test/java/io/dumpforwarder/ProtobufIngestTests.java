package io.dumpforwarder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Protobuf dumps on real sockets: one message, a length-delimited stream judged message
 * by message, gzip, a malformed message refused with its byte offset, and a refusal
 * naming what is accepted where protobuf is off. The collector gets the callers' JSON
 * ({@code GoldenTests} proves it equal to their Go marshaller's) with the same headers as
 * a JSON dump's.
 */
@TestPropertySource(properties = { "forwarder.ingest.protobuf.descriptor-set=src/test/resources/protobuf/recdump.pb",
        "forwarder.ingest.protobuf.message-type=pbrrec.AlgorithmRecomDumpReq" })
class ProtobufIngestTests extends AbstractAppTests {

    private static final MediaType PROTOBUF = MediaType.parseMediaType("application/x-protobuf");

    private static final MediaType DELIMITED = MediaType.parseMediaType("application/x-protobuf; delimited=true");

    private static final TestCollector collector = new TestCollector();

    private static Descriptor dumpType;

    @DynamicPropertySource
    static void forwardToTheCollector(DynamicPropertyRegistry registry) {
        registry.add("forwarder.dump-url", collector::url);
    }

    @BeforeAll
    static void descriptor() throws Exception {
        FileDescriptorSet set;
        try (InputStream in = Files.newInputStream(Path.of("src/test/resources/protobuf/recdump.pb"))) {
            set = FileDescriptorSet.parseFrom(in);
        }
        FileDescriptor timestamp = FileDescriptor.buildFrom(set.getFile(0), new FileDescriptor[0]);
        FileDescriptor wrappers = FileDescriptor.buildFrom(set.getFile(1), new FileDescriptor[0]);
        FileDescriptor file = FileDescriptor.buildFrom(set.getFile(2), new FileDescriptor[] { timestamp, wrappers });
        dumpType = file.findMessageTypeByName("AlgorithmRecomDumpReq");
    }

    @AfterAll
    static void close() {
        collector.close();
    }

    @BeforeEach
    void resetCollector() {
        collector.reset();
    }

    @Test
    void aProtobufDumpReachesTheCollectorAsTheCallersJson() {
        double accepted = this.meters.count("dumps.received", "outcome", "accepted");
        post(PROTOBUF, dump(9007199254740993L, "trace-1").toByteArray()).expectStatus()
            .isAccepted()
            .expectBody()
            .json("{\"accepted\":1}");

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        TestCollector.Request request = collector.requests().get(0);
        assertThat(request.text()).isEqualTo("{\"uid\":9007199254740993,\"trace_id\":\"trace-1\",\"scene\":1,"
                + "\"candidates\":[{\"item_id\":42,\"score\":0.5}]}");
        assertThat(request.headers().get("X-Uid")).isEqualTo("9007199254740993");
        assertThat(request.headers().get("X-Trace-Id")).isEqualTo("trace-1");
        assertThat(this.meters.count("dumps.received", "outcome", "accepted")).isEqualTo(accepted + 1);
    }

    @Test
    void aDelimitedStreamIsJudgedMessageByMessage() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        dump(1, "a").writeDelimitedTo(stream);
        // A message whose string field claims 5 bytes and holds 1.
        stream.write(new byte[] { 3, 18, 5, 'x' });
        dump(3, "c").writeDelimitedTo(stream);

        post(DELIMITED, stream.toByteArray()).expectStatus()
            .isAccepted()
            .expectBody()
            .jsonPath("$.accepted")
            .isEqualTo(2)
            .jsonPath("$.errors[0].line")
            .isEqualTo(2)
            .jsonPath("$.errors[0].detail")
            .value((detail) -> assertThat(detail.toString()).contains("malformed protobuf at byte 0"));

        await().atMost(WAIT).until(() -> collector.requestCount() == 2);
        assertThat(collector.requests()).extracting((request) -> request.headers().get("X-Uid"))
            .containsExactlyInAnyOrder("1", "3");
    }

    @Test
    void aStreamOfMoreMessagesThanTheQueueHoldsIsRefusedBeforeAnyIsRead() {
        // Ten thousand and one empty messages, a byte each: more than a request may hold.
        post(MediaType.parseMediaType("application/x-protobuf; delimited=\"true\""), new byte[10_001]).expectStatus()
            .isEqualTo(413)
            .expectBody()
            .jsonPath("$.errors[0].detail")
            .value((detail) -> assertThat(detail.toString()).contains("forwarder.queue.capacity"));
        assertThat(collector.requestCount()).isZero();
    }

    @Test
    void aGzipBodyIsReadAsAnyOther() throws IOException {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(dump(7, "zipped").toByteArray());
        }
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(PROTOBUF)
            .header(HttpHeaders.CONTENT_ENCODING, "gzip")
            .bodyValue(zipped.toByteArray())
            .exchange()
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).text()).startsWith("{\"uid\":7,\"trace_id\":\"zipped\"");
    }

    @Test
    void aMalformedMessageIsRefusedNamingTheByteAndNothingIsQueued() {
        byte[] cut = dump(5, "cut").toByteArray();
        byte[] body = java.util.Arrays.copyOf(cut, cut.length - 2);
        double invalid = this.meters.count("dumps.received", "outcome", "invalid");

        post(PROTOBUF, body).expectStatus()
            .isBadRequest()
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.detail")
            .value((detail) -> assertThat(detail.toString()).contains("malformed protobuf at byte"));
        assertThat(this.meters.count("dumps.received", "outcome", "invalid")).isEqualTo(invalid + 1);
        assertThat(collector.requestCount()).isZero();
    }

    @Test
    void whereProtobufIsOffItIsRefused415NamingWhatIsAccepted() {
        try (RunningApp app = RunningApp.start("--forwarder.dump-url=" + collector.url())) {
            app.ingest()
                .post()
                .uri("/v1/dumps")
                .contentType(PROTOBUF)
                .bodyValue(dump(1, "off").toByteArray())
                .exchange()
                .expectStatus()
                .isEqualTo(415)
                .expectBody()
                .jsonPath("$.detail")
                .value((detail) -> assertThat(detail.toString()).contains("protobuf dumps are off")
                    .contains("application/json"));
        }
    }

    @Test
    void aMessageWhoseJsonPassesTheDumpLimitIsTooLargeThoughItsBytesDoNot() throws IOException {
        // 800,000 bytes of protobuf become 1,066,668 of base64: over the 1MB
        // max-dump-size.
        DynamicMessage large = dump(8, "large").toBuilder()
            .setField(dumpType.findFieldByName("payload"), com.google.protobuf.ByteString.copyFrom(new byte[800_000]))
            .build();
        double tooLarge = this.meters.count("dumps.received", "outcome", "too_large");

        post(PROTOBUF, large.toByteArray()).expectStatus().isEqualTo(413);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        dump(9, "fits").writeDelimitedTo(stream);
        large.writeDelimitedTo(stream);
        firstDeliveredSecondRefused(stream.toByteArray(), "9", "JSON is over the limit of 1048576 bytes");
        assertThat(this.meters.count("dumps.received", "outcome", "too_large")).isEqualTo(tooLarge + 2);
    }

    @Test
    void aLengthPrefixIsReadAsProtobufReadsAVarintOfUpToTenBytes() throws IOException {
        byte[] message = dump(10, "padded").toByteArray();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        // The message's length in ten bytes, as a writer that pads its varints may send
        // it (message.length is under 128).
        stream.write(message.length | 0x80);
        stream.write(new byte[] { (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, 0 });
        stream.write(message);
        // Then a length of 2^35: no message is that long.
        stream.write(new byte[] { (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1 });

        firstDeliveredSecondRefused(stream.toByteArray(), "10", "is cut off");
    }

    /**
     * Posts a stream of two messages and sees the first delivered (its X-Uid this) and
     * the second refused, its detail saying this.
     */
    private void firstDeliveredSecondRefused(byte[] stream, String uid, String detail) {
        post(DELIMITED, stream).expectStatus()
            .isAccepted()
            .expectBody()
            .jsonPath("$.accepted")
            .isEqualTo(1)
            .jsonPath("$.errors[0].line")
            .isEqualTo(2)
            .jsonPath("$.errors[0].detail")
            .value((refused) -> assertThat(refused.toString()).contains(detail));
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).headers().get("X-Uid")).isEqualTo(uid);
    }

    @Test
    void anEmptyBodyIsRefusedAsAnEmptyJsonBodyIs() {
        post(PROTOBUF, new byte[0]).expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.detail")
            .value((detail) -> assertThat(detail.toString()).startsWith("empty body"));
        post(DELIMITED, new byte[0]).expectStatus()
            .isBadRequest()
            .expectBody()
            .jsonPath("$.errors[0].detail")
            .value((detail) -> assertThat(detail.toString()).contains("holds no message"));
        assertThat(collector.requestCount()).isZero();
    }

    @Test
    void anotherMediaTypeIsToldProtobufIsTakenToo() {
        post(MediaType.TEXT_PLAIN, new byte[] { 1 }).expectStatus()
            .isEqualTo(415)
            .expectBody()
            .jsonPath("$.detail")
            .value((detail) -> assertThat(detail.toString()).contains("application/x-protobuf")
                .contains("delimited=true"));
    }

    @Test
    void aLargeBodyIsReadOnTheIngestWorkersAndASmallOneWhereItArrived() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        int messages = 0;
        while (stream.size() < 64 * 1024) {
            dump(messages++, "large-" + "x".repeat(1000)).writeDelimitedTo(stream);
        }
        long read = workerReads();

        post(DELIMITED, delimited(dump(1, "small"))).expectStatus().isAccepted();
        assertThat(workerReads()).isEqualTo(read);
        post(DELIMITED, stream.toByteArray()).expectStatus().isAccepted();
        await().atMost(WAIT).until(() -> workerReads() == read + 1);
        // NDJSON of as many bytes is checked there too.
        String line = "{\"uid\":\"u\",\"pad\":\"" + "x".repeat(1000) + "\"}\n";
        post(MediaType.APPLICATION_NDJSON, line.repeat(70).getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .expectStatus()
            .isAccepted();
        await().atMost(WAIT).until(() -> workerReads() == read + 2);
        // Every dump delivered before the next test counts its own.
        int sent = 1 + messages + 70;
        await().atMost(WAIT).until(() -> collector.requestCount() == sent);
    }

    private long workerReads() {
        return (long) this.meters.functionCount("executor.completed", "name", "dumps.ingest.workers");
    }

    private static byte[] delimited(DynamicMessage message) throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        message.writeDelimitedTo(stream);
        return stream.toByteArray();
    }

    private WebTestClient.ResponseSpec post(MediaType type, byte[] body) {
        return this.ingest.post().uri("/v1/dumps").contentType(type).bodyValue(body).exchange();
    }

    private static DynamicMessage dump(long uid, String traceId) {
        Descriptor candidate = dumpType.findFieldByName("candidates").getMessageType();
        return DynamicMessage.newBuilder(dumpType)
            .setField(dumpType.findFieldByName("uid"), uid)
            .setField(dumpType.findFieldByName("trace_id"), traceId)
            .setField(dumpType.findFieldByName("scene"),
                    dumpType.getFile().findEnumTypeByName("Scene").findValueByNumber(1))
            .addRepeatedField(dumpType.findFieldByName("candidates"),
                    DynamicMessage.newBuilder(candidate)
                        .setField(candidate.findFieldByName("item_id"), 42L)
                        .setField(candidate.findFieldByName("score"), 0.5)
                        .build())
            .build();
    }

}
