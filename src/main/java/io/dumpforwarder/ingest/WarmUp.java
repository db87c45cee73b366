package io.dumpforwarder.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.dumpforwarder.body.BodyBudget;
import io.dumpforwarder.body.BodyReader;
import io.dumpforwarder.caller.CallerQuotas;
import io.dumpforwarder.caller.Callers;
import io.dumpforwarder.caller.CallersProperties;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.MemoryBounds;
import io.dumpforwarder.config.QueueProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.Intake;
import io.dumpforwarder.trace.DumpTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Warms the callers' path before the service says it is ready: Spring Boot reports
 * readiness only once every runner is done, so the first caller does not pay for loading
 * and compiling what its request runs through (a fresh start answered its first request
 * ten times slower than the p99 of the next hundred). The warm-up sends requests to the
 * service's own ingest port over loopback, through the same server, guards, body reader
 * and parser as a caller's; each carries a marker only this process knows, which routes
 * it to a handler of its own that drops its dumps and counts them nowhere, and the marker
 * is no longer looked at once the warm-up ends (the forward path has a warm-up of its
 * own). A warm-up that fails is logged and skipped: it never stops the start.
 */
@Component
class WarmUp implements ApplicationRunner {

    /** The header that carries the marker. */
    static final String HEADER = "x-dump-forwarder-warm-up";

    private static final Logger logger = LoggerFactory.getLogger(WarmUp.class);

    /** Requests sent, half single dumps and half NDJSON batches of ten. */
    private static final int REQUESTS = 100;

    private static final Duration LONGEST = Duration.ofSeconds(20);

    private final String marker = UUID.randomUUID().toString();

    private final IngestHandler dropping;

    private final String caller;

    private final ApplicationContext context;

    private final Environment environment;

    private final IngestMetrics metrics;

    private volatile boolean warming = true;

    WarmUp(Callers callers, BodyReader bodies, ProtobufDumps protobuf, IngestWorkers workers, Replies replies,
            DumpTracing tracing, ForwarderProperties properties, QueueProperties queue,
            CallersProperties callerSettings, MemoryBounds bounds, ApplicationContext context, Environment environment,
            IngestMetrics metrics) {
        // Quotas, a body budget and metrics of its own: the warm-up takes nothing from a
        // caller's rate quota or share, and counts nowhere.
        SimpleMeterRegistry nowhere = new SimpleMeterRegistry();
        this.dropping = new IngestHandler(new Dropping(), new IngestMetrics(nowhere, callers), callers,
                new CallerQuotas(callerSettings), new BodyBudget(bounds, callerSettings, nowhere), bodies, protobuf,
                workers, replies, tracing, properties, queue);
        this.caller = callers.all().iterator().next();
        this.context = context;
        this.environment = environment;
        this.metrics = metrics;
    }

    /** Whether this request is one of the warm-up's own. */
    boolean isWarmUp(HttpServerRequest request) {
        return this.warming && this.marker.equals(request.requestHeaders().get(HEADER));
    }

    Mono<Void> ingest(HttpServerRequest request, HttpServerResponse response) {
        return this.dropping.ingest(request, response, this.caller);
    }

    @Override
    public void run(ApplicationArguments args) {
        try {
            if (this.context instanceof WebServerApplicationContext web && web.getWebServer() != null) {
                long started = System.nanoTime();
                int answered = send(web.getWebServer().getPort());
                logger.info("Warmed up the ingest path with {} requests in {} ms", answered,
                        Duration.ofNanos(System.nanoTime() - started).toMillis());
            }
        }
        catch (RuntimeException ex) {
            logger.info("Warm-up skipped: {}", ex.toString());
        }
        finally {
            this.warming = false;
        }
    }

    /**
     * Sends the warm-up's requests one after another on one connection (so the warm-up
     * fits under any {@code forwarder.ingest.max-connections}); returns how many were
     * answered.
     */
    private int send(int port) {
        String one = "{\"uid\":1,\"traceId\":\"warm-up\",\"scene\":\"warm-up\",\"candidates\":[{\"id\":1,\"score\":0.5}]}";
        String batch = IntStream.range(0, 10).mapToObj((i) -> one).collect(Collectors.joining("\n"));
        ConnectionProvider connections = ConnectionProvider.create("warm-up", 1);
        int open = this.metrics.openConnections();
        try {
            HttpClient client = secure(HttpClient.create(connections).baseUrl(base(port)))
                .headers((headers) -> headers.set(HEADER, this.marker));
            return Flux.range(0, REQUESTS)
                .concatMap((i) -> post(client, (i % 2 == 0) ? one : batch,
                        (i % 2 == 0) ? "application/json" : "application/x-ndjson"))
                .reduce(0, Integer::sum)
                .block(LONGEST);
        }
        finally {
            connections.disposeLater().block(LONGEST);
            // The server has let the connection go too before readiness, so a caller
            // under a small forwarder.ingest.max-connections finds its place free.
            Flux.interval(Duration.ofMillis(5))
                .filter((tick) -> this.metrics.openConnections() <= open)
                .next()
                .timeout(Duration.ofSeconds(2), Mono.empty())
                .block();
        }
    }

    private static Mono<Integer> post(HttpClient client, String body, String type) {
        return client.headers((headers) -> headers.set("Content-Type", type))
            .post()
            .uri(IngestRoutes.DUMPS_PATH)
            .send(ByteBufFlux.fromString(Mono.just(body), StandardCharsets.UTF_8, ByteBufAllocator.DEFAULT))
            .responseSingle((response, content) -> content.then(Mono.just(1)))
            .onErrorReturn(0);
    }

    private boolean isTls() {
        return this.environment.getProperty("server.ssl.enabled", Boolean.class, false)
                || this.environment.getProperty("server.ssl.bundle") != null;
    }

    private String base(int port) {
        return (isTls() ? "https" : "http") + "://127.0.0.1:" + port;
    }

    /** Trusts the service's own certificate: the warm-up talks to itself on loopback. */
    private HttpClient secure(HttpClient client) {
        if (!isTls()) {
            return client;
        }
        return client.secure((spec) -> spec.sslContext(Http11SslContextSpec.forClient()
            .configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE))));
    }

    /** Takes every dump and drops it. */
    private static final class Dropping implements Intake {

        @Override
        public Mono<Admission> admit(List<Dump> dumps) {
            return Mono.just(Admission.ACCEPTED);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean isFull() {
            return false;
        }

    }

}
