package io.dumpforwarder.config;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Graceful shutdown ({@code forwarder.shutdown.*}).
 *
 * @param drainTimeout how long the queue and in-flight forwards may drain after SIGTERM
 */
@Validated
@ConfigurationProperties("forwarder.shutdown")
public record ShutdownProperties(@DefaultValue("10s") @NotNull Duration drainTimeout) {
}
