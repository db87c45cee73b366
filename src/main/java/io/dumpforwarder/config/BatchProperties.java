package io.dumpforwarder.config;

import java.time.Duration;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Many dumps in one request to the collector ({@code forwarder.batch.*}).
 *
 * @param enabled send dumps as NDJSON batches, one request to the collector per batch
 * @param maxDumps dumps in one batch at most
 * @param maxBytes bytes of one batch's NDJSON body at most (before compression); a dump
 * that alone is larger is sent as a batch of one
 * @param maxWait longest time the first dump of a batch waits for the batch to fill
 */
@Validated
@ConfigurationProperties("forwarder.batch")
// @formatter:off
public record BatchProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("100") @Min(1) @Max(10_000) int maxDumps,
        @DefaultValue("1MB") @NotNull DataSize maxBytes,
        @DefaultValue("20ms") @NotNull Duration maxWait) {
    // @formatter:on

    @AssertTrue(message = "forwarder.batch.max-bytes must be positive and at most 2GB, "
            + "forwarder.batch.max-wait positive")
    boolean isBounded() {
        return this.maxBytes.toBytes() > 0 && this.maxBytes.toBytes() <= Integer.MAX_VALUE && !this.maxWait.isNegative()
                && !this.maxWait.isZero();
    }

}
