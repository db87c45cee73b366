package io.dumpforwarder.buffer;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.dumpforwarder.buffer.Replay.Source;
import io.dumpforwarder.queue.DumpQueue;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * {@code /actuator/replay} on the management port, once exposed
 * ({@code management.endpoints.web.exposure.include}): {@code POST} starts a replay of
 * the dead letters ({@code {"from": "dead-letters"}}) or of the dumps the buffer accepted
 * in a span of time ({@code {"from": "buffer", "since": "<instant>", "until":
 * "<instant>"}}) and answers 202 with its id; {@code GET} lists replays with their
 * progress; {@code DELETE /actuator/replay/{id}} stops one. One replay a source at a time
 * on a pod (another is 409); the last {@link #KEPT} ended ones are listed.
 */
@Endpoint(id = "replay")
class ReplayEndpoint implements AutoCloseable {

    static final int KEPT = 20;

    private final ConsumerFactory<byte[], byte[]> consumers;

    private final DumpQueue queue;

    private final DeadLetters deadLetters;

    private final TopicCheck topics;

    private final ReplayMeters meters;

    private final BufferProperties.Kafka kafka;

    /** By id, oldest first. */
    private final Map<String, Replay> replays = new LinkedHashMap<>();

    ReplayEndpoint(ConsumerFactory<byte[], byte[]> consumers, DumpQueue queue, DeadLetters deadLetters,
            TopicCheck topics, ReplayMeters meters, BufferProperties.Kafka kafka) {
        this.consumers = consumers;
        this.queue = queue;
        this.deadLetters = deadLetters;
        this.topics = topics;
        this.meters = meters;
        this.kafka = kafka;
    }

    @WriteOperation
    synchronized WebEndpointResponse<Object> start(String from, @Nullable String since, @Nullable String until) {
        Source source = Source.of(from);
        if (source == null) {
            return problem(400, "from must be \"dead-letters\" or \"buffer\", not \"" + from + "\"");
        }
        String topic = (source == Source.BUFFER) ? this.kafka.topic() : this.kafka.deadLetters();
        if (topic == null) {
            return problem(400, "no forwarder.buffer.kafka.dead-letter-topic is set: there are no dead letters");
        }
        Instant first;
        Instant end;
        try {
            first = (since != null) ? Instant.parse(since) : null;
            end = (until != null) ? Instant.parse(until) : null;
        }
        catch (DateTimeParseException ex) {
            return problem(400, "since and until are ISO-8601 instants such as 2026-12-06T10:00:00Z: "
                    + ex.getParsedString() + " is not");
        }
        if (source == Source.BUFFER && first == null) {
            return problem(400, "a replay from the buffer needs since");
        }
        if (source == Source.DEAD_LETTERS && (first != null || end != null)) {
            return problem(400, "a replay of the dead letters takes every one not replayed yet: no since or until");
        }
        Instant now = Instant.now();
        if (first != null && (first.isBefore(Instant.EPOCH) || first.isAfter(now))) {
            return problem(400, "since must lie between 1970-01-01T00:00:00Z and now");
        }
        if (first != null && end != null && !end.isAfter(first)) {
            return problem(400, "until must come after since");
        }
        if (end != null && end.isAfter(now)) {
            // Up to now: the end the topic has when the replay starts.
            end = null;
        }
        for (Replay replay : this.replays.values()) {
            if (replay.source() == source && replay.isRunning()) {
                return problem(409, "replay " + replay.id() + " from the " + source.word()
                        + " is running: stop it first (DELETE /actuator/replay/" + replay.id() + ")");
            }
        }
        if (!this.topics.found() || !this.queue.isOpen()) {
            return problem(503, "not ready: Kafka has not answered yet, or the service is stopping");
        }
        Replay replay = new Replay(source, topic, first, end, consumer(source), this.queue, this.deadLetters,
                this.meters, this.kafka.replay().rate(), this.kafka.redeliveryBackoff());
        keep(replay);
        replay.start();
        return new WebEndpointResponse<>(replay.progress(), 202);
    }

    @ReadOperation
    synchronized List<Replay.Progress> list() {
        return this.replays.values().stream().map(Replay::progress).toList();
    }

    @ReadOperation
    synchronized WebEndpointResponse<Object> one(@Selector String id) {
        Replay replay = this.replays.get(id);
        return (replay != null) ? new WebEndpointResponse<>(replay.progress()) : problem(404, "no replay " + id);
    }

    @DeleteOperation
    synchronized WebEndpointResponse<Object> stop(@Selector String id) {
        Replay replay = this.replays.get(id);
        if (replay == null) {
            return problem(404, "no replay " + id);
        }
        replay.stop();
        return new WebEndpointResponse<>(replay.progress());
    }

    /**
     * A consumer in a group of the replay's own, never the buffer's: the dead letters'
     * group commits what was replayed; the buffer's commits nothing.
     */
    private Consumer<byte[], byte[]> consumer(Source source) {
        Object group = this.consumers.getConfigurationProperties().get(ConsumerConfig.GROUP_ID_CONFIG);
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return this.consumers.createConsumer(group + ".replay-" + source.word(), "dump-forwarder-replay-", null,
                overrides);
    }

    private void keep(Replay replay) {
        this.replays.put(replay.id(), replay);
        List<String> ended = new ArrayList<>();
        this.replays.forEach((id, kept) -> {
            if (!kept.isRunning()) {
                ended.add(id);
            }
        });
        for (int i = 0; i < ended.size() - KEPT; i++) {
            this.replays.remove(ended.get(i));
        }
    }

    private static WebEndpointResponse<Object> problem(int status, String detail) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("title", (status == 409) ? "Conflict"
                : (status == 404) ? "Not Found" : (status == 503) ? "Service Unavailable" : "Bad Request");
        problem.put("status", status);
        problem.put("detail", detail);
        return new WebEndpointResponse<>(problem, status);
    }

    /** Stops every replay: what was taken settles as the pipeline drains. */
    @Override
    public synchronized void close() {
        this.replays.values().forEach(Replay::stop);
    }

}
