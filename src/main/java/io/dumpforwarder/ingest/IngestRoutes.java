package io.dumpforwarder.ingest;

import java.util.Set;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;

/** The ingest API on the ingest port. */
@Configuration(proxyBeanMethods = false)
class IngestRoutes {

    static final String DUMPS_PATH = "/v1/dumps";

    @Bean
    RouterFunction<ServerResponse> dumpRoutes(IngestHandler handler) {
        return RouterFunctions.route()
            .POST(DUMPS_PATH, handler::ingest)
            .route(RequestPredicates.path(DUMPS_PATH),
                    (request) -> Mono.error(new MethodNotAllowedException(request.method(), Set.of(HttpMethod.POST))))
            .build();
    }

}
