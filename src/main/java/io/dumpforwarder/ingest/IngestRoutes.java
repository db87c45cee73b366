package io.dumpforwarder.ingest;

import java.util.Set;

import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;

/**
 * The ingest API on the ingest port. {@code POST /v1/dumps} is a route of the Reactor
 * Netty server that Spring Boot runs (its port, limits, lifecycle and graceful shutdown),
 * served before WebFlux sees the request, so the hot path pays for no framework layer;
 * WebFlux answers everything else, as RFC 9457 problems too.
 */
@Configuration(proxyBeanMethods = false)
class IngestRoutes {

    static final String DUMPS_PATH = "/v1/dumps";

    @Bean
    NettyRouteProvider dumpIngestRoute(IngestHandler handler, WarmUp warmUp) {
        // Plain comparisons: Reactor Netty's path templates match a regular expression
        // per request.
        return (routes) -> routes.route(
                (request) -> HttpMethod.POST.name().equals(request.method().name())
                        && isDumpsPath(request.uri(), request),
                (request, response) -> warmUp.isWarmUp(request) ? warmUp.ingest(request, response)
                        : handler.ingest(request, response));
    }

    /**
     * Whether the request is for the ingest path: the request line's target as sent,
     * without building a URI for the usual forms ({@code /v1/dumps}, with a query); any
     * other form as Reactor Netty resolves the path.
     */
    private static boolean isDumpsPath(String target, HttpServerRequest request) {
        int end = DUMPS_PATH.length();
        if (target.startsWith(DUMPS_PATH) && (target.length() == end || target.charAt(end) == '?')) {
            return true;
        }
        return DUMPS_PATH.equals(request.fullPath());
    }

    /** Any other method on the ingest path: 405 with {@code Allow: POST}. */
    @Bean
    RouterFunction<ServerResponse> dumpRoutes() {
        return RouterFunctions.route()
            .route(RequestPredicates.path(DUMPS_PATH),
                    (request) -> Mono.error(new MethodNotAllowedException(request.method(), Set.of(HttpMethod.POST))))
            .build();
    }

}
