package io.dumpforwarder.retry;

import java.time.Duration;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How a collector's {@code Retry-After} pauses sending ({@code forwarder.retry-after.*}).
 *
 * @param max longest pause of all sending a collector's {@code Retry-After} (on a 429 or
 * 503) can cause; {@code 0s} ignores Retry-After
 */
@Validated
@ConfigurationProperties("forwarder.retry-after")
public record RetryAfterProperties(@DefaultValue("30s") @NotNull Duration max) {

    @AssertTrue(message = "forwarder.retry-after.max must not be negative")
    boolean isMaxNotNegative() {
        return !this.max.isNegative();
    }

}
