package io.dumpforwarder.config;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Throttling of the failure log ({@code forwarder.log.*}).
 *
 * @param failuresPerSecond forward failure lines logged per second and outcome; the rest
 * are counted and reported as suppressed
 */
@Validated
@ConfigurationProperties("forwarder.log")
public record LogProperties(@DefaultValue("5") @Min(0) int failuresPerSecond) {
}
