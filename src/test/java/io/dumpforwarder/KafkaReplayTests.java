package io.dumpforwarder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.dumpforwarder.support.KafkaBroker;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestCollector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dead letters and replays against a real broker: a dump that fails for good (refused,
 * expired) is written to the dead-letter topic with headers saying why; a replay of the
 * dead letters, once the collector is fixed, delivers exactly those, once; a replay of
 * the buffer since an instant delivers every dump accepted since then, with its key.
 */
@ExtendWith(OutputCaptureExtension.class)
class KafkaReplayTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final TestCollector collector = new TestCollector();

    @AfterAll
    static void closeCollector() {
        collector.close();
    }

    /**
     * The collector refuses 300 dumps with 400; each becomes a dead letter saying why.
     * Once it accepts again, a replay of the dead letters delivers exactly those 300,
     * each once and with its Idempotency-Key; a second replay finds none left.
     */
    @Test
    void deadLettersSayWhyAndAReplayAfterTheFixDeliversExactlyThemOnce() {
        String deadLetters = KafkaBroker.newTopic("dead", 2);
        collector.reset();
        collector.answer(400);
        try (RunningApp app = RunningApp.start(args(KafkaBroker.newTopic("dumps", 2), deadLetters))) {
            for (int uid = 0; uid < 300; uid++) {
                post(app, uid).expectStatus().isAccepted();
            }
            await().atMost(WAIT).until(() -> KafkaBroker.records(deadLetters).size() == 300);
            ConsumerRecord<byte[], byte[]> letter = KafkaBroker.records(deadLetters).get(0);
            assertThat(header(letter, "dump-outcome")).isEqualTo("http_4xx");
            assertThat(header(letter, "dump-status")).isEqualTo("400");
            assertThat(Integer.parseInt(header(letter, "dump-attempts"))).isPositive();
            assertThat(Instant.parse(header(letter, "dump-accepted-at"))).isBefore(Instant.now());
            assertThat(Instant.parse(header(letter, "dump-dead-lettered-at"))).isBefore(Instant.now());
            assertThat(header(letter, "dump-caller")).isEqualTo("replayer");
            assertThat(header(letter, "dump-source-topic")).startsWith("dumps-");
            assertThat(header(letter, "dump-source-partition")).isIn("0", "1");
            assertThat(Long.parseLong(header(letter, "dump-source-offset"))).isNotNegative();
            assertThat(header(letter, "dump-key")).startsWith("key-").isEqualTo(new String(letter.key()));
            assertThat(app.meters().count("dumps.buffer.dead.lettered", "outcome", "http_4xx")).isEqualTo(300);

            collector.reset();
            WebTestClient management = management(app);
            String id = startReplay(management, "{\"from\":\"dead-letters\"}");
            awaitEnded(management, id, "done");
            assertThat(keysDelivered()).hasSize(300)
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 300).mapToObj((uid) -> "key-" + uid).toList());
            management.get()
                .uri("/actuator/replay/" + id)
                .exchange()
                .expectBody()
                .jsonPath("$.read")
                .isEqualTo(300)
                .jsonPath("$.outcomes.success")
                .isEqualTo(300);
            assertThat(app.meters().count("dumps.replayed", "from", "dead-letters", "outcome", "success"))
                .isEqualTo(300);

            collector.reset();
            String again = startReplay(management, "{\"from\":\"dead-letters\"}");
            awaitEnded(management, again, "done");
            management.get().uri("/actuator/replay/" + again).exchange().expectBody().jsonPath("$.read").isEqualTo(0);
            assertThat(collector.requests()).isEmpty();
        }
    }

    /**
     * Dumps accepted before T are delivered and committed; a replay since T, after the
     * collector lost what it had, delivers every dump accepted since T and none before.
     */
    @Test
    void aReplayOfTheBufferSinceTDeliversEveryDumpAcceptedSinceT() {
        String topic = KafkaBroker.newTopic("dumps", 2);
        collector.reset();
        try (RunningApp app = RunningApp.start(args(topic, KafkaBroker.newTopic("dead", 1)))) {
            for (int uid = 0; uid < 20; uid++) {
                post(app, uid).expectStatus().isAccepted();
            }
            await().atMost(WAIT).until(() -> collector.requestCount() == 20);
            Instant since = Instant.now();
            await().atMost(WAIT).until(() -> Instant.now().isAfter(since.plusMillis(5)));
            for (int uid = 20; uid < 50; uid++) {
                post(app, uid).expectStatus().isAccepted();
            }
            await().atMost(WAIT).until(() -> collector.requestCount() == 50);
            collector.reset();

            WebTestClient management = management(app);
            String id = startReplay(management, "{\"from\":\"buffer\",\"since\":\"" + since + "\"}");
            awaitEnded(management, id, "done");
            assertThat(keysDelivered())
                .containsExactlyInAnyOrderElementsOf(IntStream.range(20, 50).mapToObj((uid) -> "key-" + uid).toList());
            assertThat(app.meters().count("dumps.replayed", "from", "buffer", "outcome", "success")).isEqualTo(30);
        }
    }

    /**
     * A replay stopped while the collector fails for a while ends {@code stopped} at
     * once, and its dumps are not forwarded again; the next replay, once the collector is
     * back, delivers each dead letter once. A tombstone among the dead letters, and in
     * the buffer's own topic, is skipped and committed.
     */
    @Test
    void aStoppedReplayLeavesItsDumpsForTheNextAndTombstonesAreSkipped() throws Exception {
        String topic = KafkaBroker.newTopic("dumps", 1);
        String deadLetters = KafkaBroker.newTopic("dead", 1);
        collector.reset();
        collector.answer(400);
        try (RunningApp app = RunningApp.start(args(topic, deadLetters, "--forwarder.buffer.kafka.replay.rate=1000"))) {
            for (int uid = 0; uid < 20; uid++) {
                post(app, uid).expectStatus().isAccepted();
            }
            await().atMost(WAIT).until(() -> KafkaBroker.records(deadLetters).size() == 20);
            try (KafkaProducer<byte[], byte[]> producer = KafkaBroker.producer()) {
                producer.send(new ProducerRecord<>(deadLetters, null)).get(10, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(topic, null)).get(10, TimeUnit.SECONDS);
            }
            await().atMost(WAIT).until(() -> app.meters().count("dumps.buffer.not.dumps") == 1);
            await().atMost(WAIT).until(() -> app.meters().gauge("dumps.buffer.unsettled") == 0);

            collector.answer(503);
            WebTestClient management = management(app);
            String stopped = startReplay(management, "{\"from\":\"dead-letters\"}");
            await().atMost(WAIT).until(() -> collector.requestCount() >= 20);
            management.delete().uri("/actuator/replay/" + stopped).exchange().expectStatus().isOk();
            awaitEnded(management, stopped, "stopped");
            await().atMost(WAIT).until(() -> app.meters().idle());

            collector.reset();
            String next = startReplay(management, "{\"from\":\"dead-letters\"}");
            awaitEnded(management, next, "done");
            assertThat(keysDelivered())
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 20).mapToObj((uid) -> "key-" + uid).toList());
            management.get()
                .uri("/actuator/replay/" + next)
                .exchange()
                .expectBody()
                .jsonPath("$.skipped")
                .isEqualTo(1)
                .jsonPath("$.unsettled")
                .isEqualTo(0);
        }
    }

    /**
     * While a replay of a source runs, another is refused 409; a stopped one ends
     * {@code stopped}; a request the endpoint cannot serve is refused 400, naming what is
     * wrong.
     */
    @Test
    void oneReplayASourceAtATimeAndBadRequestsAreRefused() {
        collector.reset();
        try (RunningApp app = RunningApp.start(args(KafkaBroker.newTopic("dumps", 1), KafkaBroker.newTopic("dead", 1),
                "--forwarder.buffer.kafka.replay.rate=1"))) {
            Instant since = Instant.now().minusSeconds(300);
            for (int uid = 0; uid < 5; uid++) {
                post(app, uid).expectStatus().isAccepted();
            }
            await().atMost(WAIT).until(() -> collector.requestCount() == 5);
            WebTestClient management = management(app);
            String id = startReplay(management, "{\"from\":\"buffer\",\"since\":\"" + since + "\"}");

            replay(management, "{\"from\":\"buffer\",\"since\":\"" + since + "\"}").expectStatus()
                .isEqualTo(409)
                .expectBody()
                .jsonPath("$.detail")
                .value((detail) -> assertThat(detail).asString().contains(id));
            management.delete().uri("/actuator/replay/" + id).exchange().expectStatus().isOk();
            awaitEnded(management, id, "stopped");

            replay(management, "{\"from\":\"elsewhere\"}").expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.detail")
                .value((detail) -> assertThat(detail).asString().contains("dead-letters"));
            replay(management, "{\"from\":\"buffer\"}").expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.detail")
                .value((detail) -> assertThat(detail).asString().contains("since"));
            replay(management, "{\"from\":\"buffer\",\"since\":\"yesterday\"}").expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.detail")
                .value((detail) -> assertThat(detail).asString().contains("ISO-8601"));
            replay(management, "{\"from\":\"buffer\",\"since\":\"1969-12-31T00:00:00Z\"}").expectStatus()
                .isBadRequest();
            replay(management, "{\"from\":\"buffer\",\"since\":\"" + Instant.now().plusSeconds(3600) + "\"}")
                .expectStatus()
                .isBadRequest();
            management.get().uri("/actuator/replay/no-such-replay").exchange().expectStatus().isNotFound();
        }
    }

    /**
     * A dump still undelivered at its max age (the collector unreachable) is a dead
     * letter too, saying {@code expired}, and the log names the max age's setting.
     */
    @Test
    void anExpiredDumpIsADeadLetterAndTheLogNamesTheSetting(CapturedOutput output) {
        String deadLetters = KafkaBroker.newTopic("dead", 1);
        // Nothing listens on port 9 here.
        try (RunningApp app = RunningApp.start(on("http://127.0.0.1:9/dumps", KafkaBroker.newTopic("dumps", 1),
                deadLetters, "--forwarder.buffer.kafka.max-age=1s"))) {
            for (int uid = 0; uid < 3; uid++) {
                post(app, uid).expectStatus().isAccepted();
            }
            await().atMost(WAIT).until(() -> KafkaBroker.records(deadLetters).size() == 3);
            assertThat(KafkaBroker.records(deadLetters))
                .allSatisfy((letter) -> assertThat(header(letter, "dump-outcome")).isEqualTo("expired"));
            assertThat(app.meters().count("dumps.buffer.dead.lettered", "outcome", "expired")).isEqualTo(3);
            assertThat(output.getOut().lines().filter((line) -> line.contains("not forwarded: expired"))).isNotEmpty()
                .allSatisfy((line) -> assertThat(line).contains("forwarder.buffer.kafka.max-age")
                    .doesNotContain("forwarder.max-age"));
        }
    }

    private static String startReplay(WebTestClient management, String body) {
        Map<?, ?> started = replay(management, body).expectStatus()
            .isAccepted()
            .expectBody(Map.class)
            .returnResult()
            .getResponseBody();
        assertThat(started).isNotNull();
        return (String) started.get("id");
    }

    private static WebTestClient.ResponseSpec replay(WebTestClient management, String body) {
        return management.post()
            .uri("/actuator/replay")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange();
    }

    private static void awaitEnded(WebTestClient management, String id, String state) {
        await().atMost(WAIT)
            .untilAsserted(() -> management.get()
                .uri("/actuator/replay/" + id)
                .exchange()
                .expectBody()
                .jsonPath("$.state")
                .isEqualTo(state));
    }

    private static WebTestClient management(RunningApp app) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + app.managementPort()).build();
    }

    private static WebTestClient.ResponseSpec post(RunningApp app, int uid) {
        return app.ingest()
            .post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "key-" + uid)
            .header("X-Caller", "replayer")
            .bodyValue("{\"uid\":" + uid + ",\"scene\":\"home\"}")
            .exchange();
    }

    private static List<String> keysDelivered() {
        return collector.requests().stream().map((request) -> request.headers().get("Idempotency-Key")).toList();
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
    }

    private static String[] args(String topic, String deadLetters, String... more) {
        return on(collector.url(), topic, deadLetters, more);
    }

    private static String[] on(String dumpUrl, String topic, String deadLetters, String... more) {
        List<String> all = new ArrayList<>(List.of("--forwarder.buffer.type=kafka",
                "--spring.kafka.bootstrap-servers=" + KafkaBroker.bootstrapServers(),
                "--forwarder.buffer.kafka.topic=" + topic, "--forwarder.buffer.kafka.dead-letter-topic=" + deadLetters,
                "--spring.kafka.consumer.group-id=g-" + UUID.randomUUID(), "--forwarder.dump-url=" + dumpUrl,
                "--forwarder.buffer.kafka.redelivery-backoff=200ms", "--forwarder.retry.enabled=false",
                "--forwarder.ingest.callers.names=replayer",
                "--management.endpoints.web.exposure.include=health,prometheus,replay"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

}
