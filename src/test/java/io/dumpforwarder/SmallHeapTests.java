package io.dumpforwarder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

import io.dumpforwarder.support.Meters;
import io.micrometer.core.instrument.Gauge;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs in a JVM of its own with the chart's heap, 256 MiB (the small-heap surefire
 * execution), on default settings: 24 callers each post a 15 MB NDJSON body at once,
 * small dumps go on beside them, and the service stays up and ready, answers each request
 * 202, 413 or 503, accounts for every dump, and keeps Netty's direct memory bounded. The
 * collector only counts, so the test itself holds almost nothing.
 */
@DirtiesContext
class SmallHeapTests extends AbstractAppTests {

    private static final int CALLERS = 24;

    private static final AtomicLong collected = new AtomicLong();

    private static final DisposableServer collector = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .handle((request, response) -> request.receive()
            .then(Mono.fromRunnable(collected::incrementAndGet))
            .then(response.status(204).send()))
        .bindNow();

    /** 15 MB of 1.5 KB dumps, one per line; one array that every caller sends. */
    private static final byte[] BIG_BODY = bigBody();

    @DynamicPropertySource
    static void forwardToTheCountingCollector(DynamicPropertyRegistry registry) {
        registry.add("forwarder.dump-url", () -> "http://127.0.0.1:" + collector.port() + "/dumps");
    }

    @AfterAll
    static void close() {
        collector.disposeNow();
    }

    @Test
    void aBurstOfLargeBodiesNeitherKillsTheServiceNorLosesTrackOfADump() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("the small-heap JVM").isLessThanOrEqualTo(256L * 1024 * 1024);
        Meters meters = new Meters(this.registry);
        LongAccumulator directPeak = new LongAccumulator(Math::max, 0);
        AtomicBoolean running = new AtomicBoolean(true);
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS + 2);
        try {
            Future<?> watch = callers.submit(() -> {
                while (running.get()) {
                    directPeak.accumulate(directMemory());
                    pause();
                }
            });
            Future<?> small = callers.submit(() -> {
                byte[] dump = "{\"uid\":1,\"traceId\":\"small\",\"scene\":\"home\"}".getBytes(StandardCharsets.UTF_8);
                while (running.get()) {
                    count(statuses, post("application/json", dump));
                }
                return null;
            });
            List<Future<Integer>> big = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                big.add(callers.submit(() -> post("application/x-ndjson", BIG_BODY)));
            }
            for (Future<Integer> answer : big) {
                count(statuses, answer.get());
            }
            running.set(false);
            small.get();
            watch.get();
        }
        finally {
            running.set(false);
            callers.shutdownNow();
        }

        assertThat(statuses.keySet()).as("answers by status: %s, direct memory peak %d", statuses, directPeak.get())
            .isSubsetOf(202, 413, 503)
            .contains(202);
        assertThat(statuses.values().stream().mapToLong(AtomicLong::get).sum()).isGreaterThan(CALLERS);
        await().atMost(Duration.ofSeconds(60)).until(meters::idle);
        assertThat(meters.accountingHolds()).isTrue();
        // A forward that timed out may still have reached the collector.
        assertThat(collected.get()).isGreaterThanOrEqualTo(meters.forwarded("success"));
        assertThat(directPeak.get()).as("Netty's direct memory").isLessThan(64L * 1024 * 1024);
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + this.managementPort)
            .build()
            .get()
            .uri("/actuator/health/readiness")
            .exchange()
            .expectStatus()
            .isOk();
    }

    /** One request on a connection of its own; its status code. */
    private int post(String contentType, byte[] body) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            try {
                out.write(body);
                out.flush();
            }
            catch (IOException ex) {
                // A refusal may close the connection before all of the body is sent; its
                // answer is still there.
            }
            InputStream in = socket.getInputStream();
            byte[] statusLine = in.readNBytes(12);
            return Integer.parseInt(new String(statusLine, 9, 3, StandardCharsets.US_ASCII));
        }
    }

    private long directMemory() {
        return (long) this.registry.find("reactor.netty.bytebuf.allocator.used.direct.memory")
            .gauges()
            .stream()
            .mapToDouble(Gauge::value)
            .sum();
    }

    private static void count(Map<Integer, AtomicLong> statuses, int status) {
        statuses.computeIfAbsent(status, (key) -> new AtomicLong()).incrementAndGet();
    }

    /** The watcher's sampling interval; it waits for nothing. */
    private static void pause() {
        try {
            Thread.sleep(5);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] bigBody() {
        StringBuilder line = new StringBuilder("{\"uid\":1,\"traceId\":\"big\",\"scene\":\"home\",\"features\":\"");
        line.append("f".repeat(1500 - line.length() - 3)).append("\"}\n");
        byte[] one = line.toString().getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[15 * 1000 * 1000 / one.length * one.length];
        for (int at = 0; at < body.length; at += one.length) {
            System.arraycopy(one, 0, body, at, one.length);
        }
        return body;
    }

}
