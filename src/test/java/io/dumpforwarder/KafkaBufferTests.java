package io.dumpforwarder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import io.dumpforwarder.support.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka buffer against a real broker: a dump is answered 202 once Kafka holds it, is
 * forwarded from the topic, and its offset is committed only once its outcome is final; a
 * transient failure keeps it, a refusal sends it to the dead-letter topic.
 */
@TestPropertySource(properties = { "forwarder.buffer.type=kafka", "forwarder.buffer.kafka.redelivery-backoff=100ms",
        "forwarder.retry.initial-backoff=10ms", AbstractServiceTests.BREAKER_NEVER_OPENS })
class KafkaBufferTests extends AbstractServiceTests {

    static final String GROUP = "kafka-buffer-tests-" + UUID.randomUUID();

    static final String TOPIC = KafkaBroker.newTopic("dumps", 2);

    static final String DEAD_LETTERS = KafkaBroker.newTopic("refused", 1);

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", KafkaBroker::bootstrapServers);
        registry.add("spring.kafka.consumer.group-id", () -> GROUP);
        registry.add("forwarder.buffer.kafka.topic", () -> TOPIC);
        registry.add("forwarder.buffer.kafka.dead-letter-topic", () -> DEAD_LETTERS);
    }

    @Test
    void anAcceptedDumpIsInKafkaThenDeliveredWithItsKeyAndCommitted() {
        long committed = KafkaBroker.committed(GROUP, TOPIC);
        long delivered = this.meters.forwarded("success");

        accept(dump(1));

        ConsumerRecord<byte[], byte[]> record = await().atMost(WAIT).until(() -> recordOf(1), (found) -> found != null);
        String key = new String(record.headers().lastHeader("dump-key").value(), StandardCharsets.UTF_8);
        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 1);
        assertThat(collector.requests()).singleElement().satisfies((request) -> {
            assertThat(request.body()).asString().isEqualTo(dump(1));
            assertThat(request.headers().get("Idempotency-Key")).isEqualTo(key);
            assertThat(request.headers().get("X-Uid")).isEqualTo("1");
        });
        await().atMost(WAIT).until(() -> KafkaBroker.committed(GROUP, TOPIC) == committed + 1);
    }

    @Test
    void aFailureNotFinalKeepsTheDumpInKafkaUntilItIsDelivered() {
        long delivered = this.meters.forwarded("success");
        long failed = this.meters.forwarded("http_5xx");
        // A 500 is not retried by the forwarder (503 is, in place), nor is it final: the
        // buffer keeps the dump and forwards it again, twice, and the third time
        // delivers.
        collector.failNext(2, 500, null);

        accept(dump(2));

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 1);
        assertThat(this.meters.forwarded("http_5xx")).isEqualTo(failed);
        assertThat(this.meters.count("dumps.buffer.kept", "outcome", "http_5xx")).isGreaterThanOrEqualTo(2);
        assertThat(collector.requests()).hasSize(3)
            .extracting((request) -> request.headers().get("Idempotency-Key"))
            .containsOnly(collector.requests().get(0).headers().get("Idempotency-Key"));
    }

    @Test
    void aCallersIdempotencyKeyTravelsThroughKafkaToEveryAttempt() {
        long delivered = this.meters.forwarded("success");
        collector.failNext(2, 503, null);

        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "caller-key-5")
            .bodyValue(dump(5))
            .exchange()
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == delivered + 1);
        assertThat(collector.requests()).hasSizeGreaterThanOrEqualTo(3)
            .extracting((request) -> request.headers().get("Idempotency-Key"))
            .containsOnly("caller-key-5");
    }

    @Test
    void aDumpTheCollectorRefusesIsCommittedAndDeadLettered() {
        long refused = this.meters.forwarded("http_4xx");
        collector.answer(400);

        accept(dump(3));

        await().atMost(WAIT).until(() -> this.meters.forwarded("http_4xx") == refused + 1);
        await().atMost(WAIT)
            .untilAsserted(() -> assertThat(KafkaBroker.records(DEAD_LETTERS)).extracting(ConsumerRecord::value)
                .anySatisfy((value) -> assertThat(value).asString().isEqualTo(dump(3))));
        await().atMost(WAIT).until(() -> this.meters.count("dumps.buffer.dead.lettered") >= 1);
    }

    @Test
    void kafkasClientMetricsAndTheBuffersOwnAreScraped() {
        accept(dump(4));
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);

        await().atMost(WAIT)
            .untilAsserted(() -> assertThat(scrape()).contains("kafka_consumer_fetch_manager_records_lag",
                    "kafka_producer_record_send_total", "dumps_buffer_unsettled ", "dumps_buffer_oldest_age_seconds ",
                    "dumps_buffer_max_age_seconds ", "dumps_buffer_paused 0.0", "dumps_buffer_kept_total{",
                    "dumps_received_total{caller=\"unknown\",outcome=\"buffer_unavailable\"}"));
    }

    private static ConsumerRecord<byte[], byte[]> recordOf(int uid) {
        List<ConsumerRecord<byte[], byte[]>> records = KafkaBroker.records(TOPIC);
        return records.stream()
            .filter((record) -> new String(record.value(), StandardCharsets.UTF_8).equals(dump(uid)))
            .findFirst()
            .orElse(null);
    }

}
