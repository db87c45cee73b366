package io.dumpforwarder.collector;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The collector's HTTP client ({@code forwarder.client.*}).
 *
 * @param connectTimeout TCP connect timeout
 * @param connectRate connections opened to the collector a second at most, a tenth of
 * that at once; a connection that would wait longer than the connect timeout for its turn
 * fails as a connect error (which is retried)
 * @param responseTimeout time allowed between sending the request and each read of the
 * response
 * @param attemptTimeout total deadline of one forward, connect to last byte of the
 * response
 * @param idleTimeout how long an idle pooled connection is kept
 * @param maxLifetime how long a pooled connection is used at most: once older it is
 * closed when released, so a renewed client certificate, and the collector's DNS name
 * resolving to new addresses, reach every connection within it
 * @param evictInterval how often idle and closed connections are evicted in the
 * background
 * @param sslBundle name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) with
 * the CA to trust and, for mutual TLS, the client certificate; unset, https trusts the
 * JVM's trust store. With the bundle's {@code reload-on-update}, new connections use its
 * files as they change
 */
@Validated
@ConfigurationProperties("forwarder.client")
// @formatter:off
public record ClientProperties(
        @DefaultValue("500ms") @NotNull Duration connectTimeout,
        @DefaultValue("200") @Min(1) int connectRate,
        @DefaultValue("1s") @NotNull Duration responseTimeout,
        @DefaultValue("2s") @NotNull Duration attemptTimeout,
        @DefaultValue("10m") @NotNull Duration idleTimeout,
        @DefaultValue("30m") @NotNull Duration maxLifetime,
        @DefaultValue("30s") @NotNull Duration evictInterval,
        String sslBundle) {
    // @formatter:on

    public ClientProperties {
        sslBundle = (sslBundle == null || sslBundle.isBlank()) ? null : sslBundle;
    }

}
