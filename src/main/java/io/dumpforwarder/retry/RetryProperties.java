package io.dumpforwarder.retry;

import java.time.Duration;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Retries of failed forwards ({@code forwarder.retry.*}).
 *
 * @param enabled retry failed forwards that may succeed later, until the oldest dump's
 * max age
 * @param initialBackoff the ceiling of the first backoff; each later one doubles it, up
 * to the maximum, and the wait is drawn at random below the ceiling (full jitter)
 * @param maxBackoff the highest backoff ceiling
 * @param budgetRatio retries allowed as a fraction of first attempts over the budget
 * window (plus one)
 * @param budgetWindow the sliding window of the retry budget
 */
@Validated
@ConfigurationProperties("forwarder.retry")
// @formatter:off
public record RetryProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("50ms") @NotNull Duration initialBackoff,
        @DefaultValue("1s") @NotNull Duration maxBackoff,
        @DefaultValue("0.1") @DecimalMin("0.0") @DecimalMax("1.0") double budgetRatio,
        @DefaultValue("10s") @NotNull Duration budgetWindow) {
    // @formatter:on

    @AssertTrue(message = "forwarder.retry backoffs must be positive with initial-backoff <= max-backoff, "
            + "and budget-window at least 1s")
    boolean isConsistent() {
        return !this.initialBackoff.isNegative() && !this.initialBackoff.isZero()
                && this.initialBackoff.compareTo(this.maxBackoff) <= 0 && this.budgetWindow.toSeconds() >= 1;
    }

}
