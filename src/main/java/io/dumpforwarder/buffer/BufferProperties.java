package io.dumpforwarder.buffer;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Where accepted dumps wait to be forwarded ({@code forwarder.buffer.*}).
 *
 * @param type {@code memory}: this pod's bounded queue, lost with the pod; {@code kafka}:
 * a Kafka topic that survives restarts and that every replica consumes in one consumer
 * group (Kafka's connection from {@code spring.kafka.*})
 * @param kafka the Kafka buffer
 */
@Validated
@ConfigurationProperties("forwarder.buffer")
public record BufferProperties(@DefaultValue("memory") @NotNull Type type, @DefaultValue @Valid Kafka kafka) {

    /** Where accepted dumps wait. */
    public enum Type {

        /** This pod's memory. */
        MEMORY,
        /** A Kafka topic. */
        KAFKA

    }

    /**
     * The Kafka buffer ({@code forwarder.buffer.kafka.*}).
     *
     * @param topic the topic that holds accepted dumps; it must exist
     * @param sendTimeout longest wait for Kafka to acknowledge a request's dumps; past it
     * the caller gets 503 {@code buffer_unavailable}
     * @param maxAge a dump older than this since it was accepted is dropped as
     * {@code expired}; replaces {@code forwarder.max-age} with this buffer
     * @param redeliveryBackoff the wait before a dump whose forward ended without
     * settling it (timeout, 5xx, 408, 429, open breaker...) is forwarded again
     * @param deadLetterTopic where dumps that failed for good are written: refused by the
     * collector (a 4xx other than 408 and 429) or past the max age; it must exist; empty:
     * nowhere, they are only counted
     * @param replay replays of the dead letters or of the buffer
     */
    // @formatter:off
    public record Kafka(
            @DefaultValue("dumps") @NotBlank String topic,
            @DefaultValue("2s") @NotNull Duration sendTimeout,
            @DefaultValue("24h") @NotNull Duration maxAge,
            @DefaultValue("1s") @NotNull Duration redeliveryBackoff,
            @DefaultValue("") String deadLetterTopic,
            @DefaultValue @Valid Replay replay) {
        // @formatter:on

        /** The dead-letter topic, {@code null} when none is set. */
        public String deadLetters() {
            return (this.deadLetterTopic != null && !this.deadLetterTopic.isBlank()) ? this.deadLetterTopic : null;
        }

        /**
         * Replays ({@code forwarder.buffer.kafka.replay.*}), started with
         * {@code POST /actuator/replay}.
         *
         * @param rate dumps a replay puts in the queue per second at most, beside normal
         * forwarding
         */
        public record Replay(@DefaultValue("200") @Min(1) int rate) {
        }

    }

}
