package io.dumpforwarder.demo;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A stand-in collector for trying the service out: a tiny HTTP server on 127.0.0.1 that
 * logs every dump it receives. Only started when {@code forwarder.demo.enabled} is true
 * (the {@code demo} profile).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("forwarder.demo.enabled")
class DemoCollector {

    private static final Logger logger = LoggerFactory.getLogger(DemoCollector.class);

    private static final int SHOWN_BYTES = 512;

    @Bean(destroyMethod = "disposeNow")
    DisposableServer demoCollectorServer(DemoProperties settings) {
        AtomicLong received = new AtomicLong();
        DisposableServer server = HttpServer.create()
            .host("127.0.0.1")
            .port(settings.port())
            .route((routes) -> routes.post("/dumps",
                    (request, response) -> request.receive()
                        .aggregate()
                        .asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .flatMap((body) -> {
                            logger.atInfo()
                                .addKeyValue("uid", request.requestHeaders().get("X-Uid"))
                                .addKeyValue("traceId", request.requestHeaders().get("X-Trace-Id"))
                                .addKeyValue("bytes", body.length())
                                .log("Demo collector received dump #{}: {}", received.incrementAndGet(),
                                        (body.length() > SHOWN_BYTES) ? body.substring(0, SHOWN_BYTES) + "..." : body);
                            return response.status(204).send().then();
                        })))
            .bindNow();
        logger.info("Demo collector listening on http://127.0.0.1:{}/dumps", server.port());
        return server;
    }

}
