package io.dumpforwarder.ingest;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** The ingest API on the ingest port. */
@Configuration(proxyBeanMethods = false)
class IngestRoutes {

    static final String DUMPS_PATH = "/v1/dumps";

    @Bean
    RouterFunction<ServerResponse> dumpRoutes(IngestHandler handler) {
        return RouterFunctions.route().POST(DUMPS_PATH, handler::ingest).build();
    }

}
