package io.dumpforwarder.forward;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.dumpforwarder.dump.Dump;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Warms the forward path before the service says it is ready (Spring Boot reports
 * readiness once every runner is done): the collector's client (its event loops, resolver
 * and TLS), then fifty attempts of the forwarder's own code, on the collector's client
 * and pool, against a sink of the warm-up's own on loopback, so that no warm-up dump
 * reaches the collector. The sink's pool, and its meters, go with the sink. A warm-up
 * that fails is logged and skipped: it never stops the start.
 */
@Component
class ForwardWarmUp implements ApplicationRunner {

    private static final Logger logger = LoggerFactory.getLogger(ForwardWarmUp.class);

    private static final int ATTEMPTS = 50;

    private static final Duration LONGEST = Duration.ofSeconds(20);

    private final DumpForwarder forwarder;

    private final HttpClient collector;

    private final ConnectionProvider connections;

    ForwardWarmUp(DumpForwarder forwarder, HttpClient collectorHttpClient,
            ConnectionProvider collectorConnectionProvider) {
        this.forwarder = forwarder;
        this.collector = collectorHttpClient;
        this.connections = collectorConnectionProvider;
    }

    @Override
    public void run(ApplicationArguments args) {
        long started = System.nanoTime();
        DisposableServer sink = null;
        try {
            this.collector.warmup().block(LONGEST);
            sink = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .handle((request, response) -> request.receive().then(response.status(204).send()))
                .bindNow(LONGEST);
            Dump dump = new Dump("{\"uid\":1,\"traceId\":\"warm-up\"}".getBytes(StandardCharsets.UTF_8), "1", "warm-up",
                    null, System.nanoTime(), "warm-up", null, null);
            Integer taken = this.forwarder
                .warmUp(URI.create("http://127.0.0.1:" + sink.port() + "/"), List.of(dump), ATTEMPTS)
                .block(LONGEST);
            logger.info("Warmed up the forward path with {} attempts in {} ms", taken,
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
        catch (RuntimeException ex) {
            logger.info("Forward warm-up skipped: {}", ex.toString());
        }
        finally {
            if (sink != null) {
                sink.disposeNow();
                this.connections.disposeWhen(sink.address());
            }
        }
    }

}
