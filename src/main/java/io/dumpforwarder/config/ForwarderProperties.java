package io.dumpforwarder.config;

import java.net.URI;
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
 * The {@code forwarder.*} settings of the service as a whole, bound once at start-up and
 * validated so that a bad value fails the start with the key's name instead of failing
 * the first request. Each part of the service has its own record beside it, one per
 * prefix ({@code forwarder.retry.*} is {@code RetryProperties} in the retry package);
 * those several parts read stay here. The breakers are tuned under
 * {@code resilience4j.circuitbreaker.*} in YAML.
 *
 * @param dumpUrl where dumps are POSTed; required (the {@code demo} profile points it at
 * the embedded demo collector)
 * @param maxDumpSize largest accepted dump (one JSON body or one NDJSON line)
 * @param maxRequestSize largest accepted NDJSON request body
 * @param maxConcurrency forwards in flight at most; also the size of the collector
 * connection pool
 * @param maxAge a dump that waited longer than this in the queue is dropped as
 * {@code expired}
 * @param compression encoding of the request body sent to the collector
 * @param circuitOpen what becomes of a forward the open circuit breaker refuses
 */
// @formatter:off (one component a line)
@Validated
@ConfigurationProperties("forwarder")
public record ForwarderProperties(
        @NotNull(message = DUMP_URL_REQUIRED) URI dumpUrl,
        @DefaultValue("1MB") @NotNull DataSize maxDumpSize,
        @DefaultValue("16MB") @NotNull DataSize maxRequestSize,
        @DefaultValue("100") @Min(1) @Max(10_000) int maxConcurrency,
        @DefaultValue("30s") @NotNull Duration maxAge,
        @DefaultValue("none") @NotNull Compression compression,
        @DefaultValue("hold") @NotNull CircuitOpen circuitOpen) {
    // @formatter:on

    static final String DUMP_URL_REQUIRED = "forwarder.dump-url must be set (or start with "
            + "--spring.profiles.active=demo to use the embedded demo collector)";

    @AssertTrue(message = "forwarder.dump-url must be an absolute http:// or https:// URL with a host")
    boolean isDumpUrlHttp() {
        return this.dumpUrl == null || (this.dumpUrl.getHost() != null
                && ("http".equals(this.dumpUrl.getScheme()) || "https".equals(this.dumpUrl.getScheme())));
    }

    @AssertTrue(message = "forwarder.max-dump-size must be positive and at most forwarder.max-request-size")
    boolean isMaxDumpSizeWithinRequestSize() {
        return this.maxDumpSize.toBytes() > 0 && this.maxDumpSize.toBytes() <= this.maxRequestSize.toBytes()
                && this.maxRequestSize.toBytes() <= Integer.MAX_VALUE;
    }

    /** How the request body sent to the collector is encoded. */
    public enum Compression {

        /** Sent as is. */
        NONE,
        /** gzip, with {@code Content-Encoding: gzip}. */
        GZIP

    }

    /** What becomes of a forward the open circuit breaker refuses. */
    public enum CircuitOpen {

        /**
         * Held until the breaker lets it through (or its oldest dump passes max age), the
         * queue filling meanwhile.
         */
        HOLD,
        /** Dropped at once, counted {@code circuit_open}, like the callers' Go client. */
        DROP

    }

}
