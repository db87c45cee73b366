package io.dumpforwarder.config;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Bounds of the in-memory queue ({@code forwarder.queue.*}).
 *
 * @param capacity dumps held at most while they wait to be forwarded
 * @param maxBytes bytes of dump bodies held at most while they wait
 * @param retryAfter the {@code Retry-After} a caller gets with a 503 when the queue is
 * full
 */
@Validated
@ConfigurationProperties("forwarder.queue")
// @formatter:off
public record QueueProperties(
        @DefaultValue("10000") @Min(1) int capacity,
        @DefaultValue("64MB") @NotNull DataSize maxBytes,
        @DefaultValue("1s") @NotNull Duration retryAfter) {
    // @formatter:on
}
