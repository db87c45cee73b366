package io.dumpforwarder.demo;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The embedded demo collector ({@code forwarder.demo.*}).
 *
 * @param enabled start the embedded demo collector (the {@code demo} profile does)
 * @param port port of the demo collector on 127.0.0.1
 */
@Validated
@ConfigurationProperties("forwarder.demo")
// @formatter:off
public record DemoProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("8090") @Min(1) @Max(65535) int port) {
    // @formatter:on
}
