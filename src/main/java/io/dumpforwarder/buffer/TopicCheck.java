package io.dumpforwarder.buffer;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;
import org.springframework.core.NestedExceptionUtils;

/**
 * What the broker says about the buffer's topics. At start: a broker that answers without
 * one of them (the topic, the dead-letter topic when set) fails the start, naming the
 * key: a setting to fix. A broker that does not answer in time, or whose name does not
 * resolve yet, leaves the service started but not ready, asking again every
 * {@link #RETRY} until the broker answers: an outage the pod outlives instead of a crash
 * loop. Once the topics were found, readiness no longer depends on Kafka: every pod
 * shares the broker, so taking them all out of the Service would turn quick
 * {@code 503 buffer_unavailable} answers with {@code Retry-After} into refused
 * connections. Afterwards, {@link #probe} asks whether the topic's partitions have
 * leaders: the buffer breaker's probe while it is open.
 */
final class TopicCheck implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(TopicCheck.class);

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    static final Duration RETRY = Duration.ofSeconds(2);

    private final Map<String, Object> adminConfig;

    /** The setting naming each topic, by topic. */
    private final Map<String, String> keys = new LinkedHashMap<>();

    private final String topic;

    /** Created once a bootstrap name resolves: Kafka's clients refuse to start before. */
    private volatile Admin admin;

    private volatile boolean found;

    private final Sinks.Empty<Void> foundSignal = Sinks.empty();

    private volatile boolean toldMissing;

    private volatile Disposable retrying = () -> {
    };

    TopicCheck(Map<String, Object> adminConfig, String topic, String deadLetterTopic) {
        this.adminConfig = new HashMap<>(adminConfig);
        // Kafka's default (rebootstrap) logs a line per poll while no broker answers.
        this.adminConfig.put(AdminClientConfig.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        this.topic = topic;
        this.keys.put(topic, "forwarder.buffer.kafka.topic");
        if (deadLetterTopic != null) {
            this.keys.put(deadLetterTopic, "forwarder.buffer.kafka.dead-letter-topic");
        }
    }

    /**
     * Asks once, then, when the broker did not answer, again on {@code threads} until it
     * does.
     * @throws IllegalStateException naming the key when the broker answers that a topic
     * does not exist
     */
    void start(Scheduler threads) {
        try {
            ask();
            return;
        }
        catch (MissingTopicException ex) {
            close();
            throw ex;
        }
        catch (RuntimeException ex) {
            logger.warn("Kafka did not answer whether {} {} ({}): not ready until it does, asking every {} s", topics(),
                    (this.keys.size() > 1) ? "exist" : "exists",
                    NestedExceptionUtils.getMostSpecificCause(ex).getMessage(), RETRY.toSeconds());
        }
        this.retrying = Mono.fromRunnable(this::ask)
            .subscribeOn(threads)
            .doOnError(MissingTopicException.class, (ex) -> {
                if (!this.toldMissing) {
                    this.toldMissing = true;
                    logger.error("{}: not ready until it is created", ex.getMessage());
                }
            })
            .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, RETRY))
            .subscribe(null, (ex) -> logger.error("Topic check stopped: not ready", ex), () -> logger
                .info("Kafka answers, {} {}: ready", topics(), (this.keys.size() > 1) ? "exist" : "exists"));
    }

    /** Whether the broker answered that every topic exists. */
    boolean found() {
        return this.found;
    }

    /**
     * Completes once every topic was found: Kafka's clients can be created then (a
     * bootstrap name that does not resolve yet fails their creation).
     */
    Mono<Void> whenFound() {
        return this.foundSignal.asMono();
    }

    /** Readiness, refusing traffic until the topics were found. */
    ReadinessStateHealthIndicator readiness(ApplicationAvailability availability) {
        return new ReadinessStateHealthIndicator(availability) {
            @Override
            protected AvailabilityState getState(ApplicationAvailability applicationAvailability) {
                return found() ? super.getState(applicationAvailability) : ReadinessState.REFUSING_TRAFFIC;
            }
        };
    }

    /**
     * Completes when the broker answers within {@code timeout} that every partition of
     * the topic has a leader, so a send can be acknowledged; fails otherwise.
     */
    Mono<Void> probe(Duration timeout) {
        Admin asked = this.admin;
        if (asked == null) {
            return Mono.error(new IllegalStateException("no bootstrap server resolves yet"));
        }
        DescribeTopicsOptions options = new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis());
        // Kafka's own timeout ends the call; the guard's, a little later, only a call
        // that outlives it, which it cancels.
        return Mono
            .fromFuture(() -> asked.describeTopics(List.of(this.topic), options)
                .allTopicNames()
                .toCompletionStage()
                .toCompletableFuture())
            .timeout(timeout.plusSeconds(1))
            .flatMap((described) -> {
                TopicDescription description = described.get(this.topic);
                boolean led = description.partitions()
                    .stream()
                    .map(TopicPartitionInfo::leader)
                    .allMatch((leader) -> leader != null);
                return led ? Mono.empty() : Mono.error(new IllegalStateException("a partition has no leader"));
            });
    }

    private void ask() {
        Map<String, KafkaFuture<TopicDescription>> answers = admin().describeTopics(this.keys.keySet())
            .topicNameValues();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> answer : answers.entrySet()) {
            try {
                answer.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            catch (ExecutionException ex) {
                if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new MissingTopicException(this.keys.get(answer.getKey()) + " '" + answer.getKey()
                            + "' does not exist on spring.kafka.bootstrap-servers="
                            + this.adminConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
                }
                throw new IllegalStateException(ex.getCause());
            }
            catch (TimeoutException ex) {
                throw new IllegalStateException("no answer within " + TIMEOUT.toSeconds() + " s", ex);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            }
        }
        this.found = true;
        this.foundSignal.tryEmitEmpty();
    }

    private Admin admin() {
        Admin created = this.admin;
        if (created == null) {
            created = Admin.create(this.adminConfig);
            this.admin = created;
        }
        return created;
    }

    private String topics() {
        StringBuilder text = new StringBuilder();
        this.keys.forEach((name, key) -> text.append((text.length() > 0) ? " and " : "")
            .append(key)
            .append(" '")
            .append(name)
            .append("'"));
        return text.toString();
    }

    /** Stops asking; the client's connections close (it says nothing once done). */
    @Override
    public void close() {
        this.retrying.dispose();
        Admin created = this.admin;
        if (created != null) {
            created.close(Duration.ZERO);
        }
    }

    /** The broker answered that a topic does not exist: a setting to fix. */
    private static final class MissingTopicException extends IllegalStateException {

        MissingTopicException(String message) {
            super(message);
        }

    }

}
