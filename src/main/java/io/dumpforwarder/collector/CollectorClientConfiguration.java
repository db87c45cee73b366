package io.dumpforwarder.collector;

import java.time.Duration;

import javax.net.ssl.SSLException;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.logging.LogLevel;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import reactor.netty.transport.logging.AdvancedByteBufFormat;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpRedirects;
import org.springframework.boot.http.client.ReactorHttpClientBuilder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The collector's HTTP client, built once: a dedicated, bounded connection pool sized to
 * the forward concurrency, the timeouts of {@code forwarder.client.*} and, for https, an
 * optional SSL bundle, whose updates new connections follow. It runs on the application's
 * event loops.
 */
@Configuration(proxyBeanMethods = false)
class CollectorClientConfiguration {

    /**
     * Logger category of the collector wiretap; set it to DEBUG at runtime to see the
     * traffic.
     */
    static final String WIRETAP_CATEGORY = "io.dumpforwarder.wiretap";

    @Bean(destroyMethod = "dispose")
    ConnectionProvider collectorConnectionProvider(ForwarderProperties properties, ClientProperties client) {
        // flatMap never runs more forwards than there are connections, so an acquire
        // waits only for a connection being released or opened: the bound on pending
        // acquires is a guard, not a queue, and the attempt timeout bounds the wait. No
        // timeout of the pool's own: it would be a timer on the parallel scheduler for
        // every acquire made while all connections are busy, which is every acquire under
        // full load.
        // The pool grows at forwarder.client.connect-rate: a forward refused a new
        // connection waits for the next one released or allowed.
        return ConnectionProvider.builder(Dump.CARRIER)
            .allocationStrategy(new PacedConnects(properties.maxConcurrency(), client.connectRate()))
            .pendingAcquireMaxCount(properties.maxConcurrency())
            .pendingAcquireTimeout(Duration.ZERO)
            .maxIdleTime(client.idleTimeout())
            .maxLifeTime(client.maxLifetime())
            .evictInBackground(client.evictInterval())
            .metrics(true)
            .build();
    }

    /**
     * Reactor Netty's client itself, built by Spring Boot from the timeouts and redirect
     * policy: the forwarder writes the dump's bytes and reads the status, so no WebClient
     * layer sits on the hot path.
     */
    @Bean
    HttpClient collectorHttpClient(ConnectionProvider collectorConnectionProvider, LoopResources eventLoops,
            ClientProperties client, SslBundles sslBundles, MeterRegistry registry) throws SSLException {
        // An https dump URL trusts the JVM's trust store, unless an SSL bundle names a CA
        // (and a client certificate, for mutual TLS). The bundle is not in Spring Boot's
        // settings: the context Boot would build never follows the bundle's updates.
        // Redirects are not followed: a dump goes to the configured URL or fails.
        CollectorSslContext ssl = (client.sslBundle() != null)
                ? new CollectorSslContext(sslBundles, client.sslBundle(), registry) : null;
        HttpClientSettings settings = HttpClientSettings.defaults()
            .withTimeouts(client.connectTimeout(), client.responseTimeout())
            .withRedirects(HttpRedirects.DONT_FOLLOW);
        return new ReactorHttpClientBuilder()
            .withHttpClientFactory(() -> HttpClient.create(collectorConnectionProvider).runOn(eventLoops))
            .withHttpClientCustomizer((http) -> {
                // The wiretap logs nothing until the category is set to DEBUG (e.g.
                // through the Actuator loggers endpoint).
                HttpClient tapped = http.wiretap(WIRETAP_CATEGORY, LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL);
                return (ssl != null) ? tapped.secure((spec) -> spec.sslContext(ssl)) : tapped;
            })
            .build(settings);
    }

}
