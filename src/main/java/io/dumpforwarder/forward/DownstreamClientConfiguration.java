package io.dumpforwarder.forward;

import io.dumpforwarder.config.ForwarderProperties;
import io.netty.channel.ChannelOption;
import io.netty.handler.logging.LogLevel;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.transport.logging.AdvancedByteBufFormat;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The downstream HTTP client, built once: a dedicated, bounded connection pool sized to the forward
 * concurrency, and the timeouts of {@code forwarder.client.*}.
 */
@Configuration(proxyBeanMethods = false)
class DownstreamClientConfiguration {

    /** Logger category of the downstream wiretap; set it to DEBUG at runtime to see the traffic. */
    static final String WIRETAP_CATEGORY = "io.dumpforwarder.wiretap";

    @Bean(destroyMethod = "dispose")
    ConnectionProvider downstreamConnectionProvider(ForwarderProperties properties) {
        ForwarderProperties.Client client = properties.client();
        // flatMap never runs more forwards than there are connections, so acquires rarely wait; the bound
        // on pending acquires is a guard, not a queue.
        return ConnectionProvider.builder("dump")
            .maxConnections(properties.maxConcurrency())
            .pendingAcquireMaxCount(properties.maxConcurrency())
            .pendingAcquireTimeout(client.connectTimeout())
            .maxIdleTime(client.idleTimeout())
            .evictInBackground(client.evictInterval())
            .metrics(true)
            .build();
    }

    @Bean
    WebClient downstreamWebClient(ConnectionProvider downstreamConnectionProvider, ForwarderProperties properties) {
        ForwarderProperties.Client client = properties.client();
        HttpClient httpClient = HttpClient.create(downstreamConnectionProvider)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(client.connectTimeout().toMillis()))
            .responseTimeout(client.responseTimeout())
            // Logs nothing until the category is set to DEBUG (e.g. through the Actuator loggers endpoint).
            .wiretap(WIRETAP_CATEGORY, LogLevel.DEBUG, AdvancedByteBufFormat.TEXTUAL);
        return WebClient.builder().clientConnector(new ReactorClientHttpConnector(httpClient)).build();
    }

}
