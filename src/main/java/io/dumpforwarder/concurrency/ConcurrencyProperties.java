package io.dumpforwarder.concurrency;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Forwards in flight ({@code forwarder.concurrency.*}).
 *
 * @param mode {@code fixed}: up to max-concurrency forwards in flight; {@code adaptive}:
 * a limit that a Vegas algorithm moves between min-limit and max-concurrency from the
 * collector's round-trip times
 * @param minLimit the adaptive limit's floor
 * @param initialLimit the adaptive limit at start-up, within min-limit and
 * max-concurrency
 */
@Validated
@ConfigurationProperties("forwarder.concurrency")
// @formatter:off
public record ConcurrencyProperties(
        @DefaultValue("fixed") @NotNull Mode mode,
        @DefaultValue("1") @Min(1) int minLimit,
        @DefaultValue("20") @Min(1) int initialLimit) {
    // @formatter:on

    /** How the number of forwards in flight is set. */
    public enum Mode {

        /** Up to {@code forwarder.max-concurrency}, like the callers' semaphore. */
        FIXED,
        /** Up to an adaptive limit below {@code forwarder.max-concurrency}. */
        ADAPTIVE

    }

}
