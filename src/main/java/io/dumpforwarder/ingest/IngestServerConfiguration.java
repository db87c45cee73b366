package io.dumpforwarder.ingest;

import io.dumpforwarder.config.ForwarderProperties;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Limits on callers that Spring Boot has no property for: a caller that sends a request byte by byte, or
 * never finishes it, is cut off. Reactor Netty's own server metrics are on, so requests the HTTP codec
 * refuses before any handler sees them (431, 414, 400) are counted too; the path tag is bounded.
 */
@Configuration(proxyBeanMethods = false)
class IngestServerConfiguration {

    @Bean
    NettyServerCustomizer ingestLimits(ForwarderProperties properties) {
        ForwarderProperties.Ingest ingest = properties.ingest();
        return (server) -> server.readTimeout(ingest.readTimeout())
            .requestTimeout(ingest.requestTimeout())
            .metrics(true, (uri) -> IngestRoutes.DUMPS_PATH.equals(uri) ? uri : "other");
    }

}
