package io.dumpforwarder.buffer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;

/**
 * Whether the buffer's topic exists, asked of the broker at start. A broker that answers
 * without the topic fails the start, naming the key: a setting to fix. A broker that does
 * not answer in time leaves the service started but not ready, asking again every
 * {@link #RETRY} until the broker answers: an outage the pod outlives instead of a crash
 * loop. Once the topic was found, readiness no longer depends on Kafka: every pod shares
 * the broker, so taking them all out of the Service would turn quick
 * {@code 503 buffer_unavailable} answers with {@code Retry-After} into refused
 * connections.
 */
final class TopicCheck implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(TopicCheck.class);

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    static final Duration RETRY = Duration.ofSeconds(2);

    private final Map<String, Object> adminConfig;

    private final Admin admin;

    private final String topic;

    private volatile boolean found;

    private volatile boolean toldMissing;

    private volatile Disposable retrying = () -> {
    };

    TopicCheck(Map<String, Object> adminConfig, String topic) {
        this.adminConfig = adminConfig;
        this.topic = topic;
        Map<String, Object> config = new HashMap<>(adminConfig);
        // Kafka's default (rebootstrap) logs a line per poll while no broker answers.
        config.put(AdminClientConfig.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        this.admin = Admin.create(config);
    }

    /**
     * Asks once, then, when the broker did not answer, again on {@code threads} until it
     * does.
     * @throws IllegalStateException when the broker answers that the topic does not exist
     */
    void start(Scheduler threads) {
        try {
            ask();
            close();
            return;
        }
        catch (UnknownTopicOrPartitionException ex) {
            close();
            throw new IllegalStateException(missing() + ": " + ex.getMessage(), ex);
        }
        catch (RuntimeException ex) {
            logger.warn("Kafka did not answer whether forwarder.buffer.kafka.topic '{}' exists ({}): not ready "
                    + "until it does, asking every {} s", this.topic, ex.getMessage(), RETRY.toSeconds());
        }
        this.retrying = Mono.fromRunnable(this::ask)
            .subscribeOn(threads)
            .doOnError(UnknownTopicOrPartitionException.class, (ex) -> {
                if (!this.toldMissing) {
                    this.toldMissing = true;
                    logger.error("{}: not ready until it is created", missing());
                }
            })
            .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, RETRY))
            .subscribe(null, (ex) -> logger.error("Topic check stopped: not ready", ex), () -> {
                logger.info("Kafka answers, forwarder.buffer.kafka.topic '{}' exists: ready", this.topic);
                close();
            });
    }

    boolean found() {
        return this.found;
    }

    /** Readiness, refusing traffic until the topic was found. */
    ReadinessStateHealthIndicator readiness(ApplicationAvailability availability) {
        return new ReadinessStateHealthIndicator(availability) {
            @Override
            protected AvailabilityState getState(ApplicationAvailability applicationAvailability) {
                return found() ? super.getState(applicationAvailability) : ReadinessState.REFUSING_TRAFFIC;
            }
        };
    }

    private void ask() {
        try {
            this.admin.describeTopics(List.of(this.topic))
                .allTopicNames()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            this.found = true;
        }
        catch (ExecutionException ex) {
            if (ex.getCause() instanceof UnknownTopicOrPartitionException unknown) {
                throw unknown;
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

    private String missing() {
        return "forwarder.buffer.kafka.topic '" + this.topic + "' does not exist on spring.kafka.bootstrap-servers="
                + this.adminConfig.get("bootstrap.servers");
    }

    /** Stops asking; the client's connections close (it says nothing once done). */
    @Override
    public void close() {
        this.retrying.dispose();
        this.admin.close(Duration.ZERO);
    }

}
