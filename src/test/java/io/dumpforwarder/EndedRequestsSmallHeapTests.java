package io.dumpforwarder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.locks.LockSupport;

import com.github.luben.zstd.Zstd;
import io.dumpforwarder.support.RawConnection;
import io.dumpforwarder.support.RawHttp2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests that end early, at a scale that would exhaust this JVM's heap (256 MiB, the
 * small-heap execution, exiting on OutOfMemoryError) if each held what it had received
 * until its request timeout (60 s here) instead of freeing it as it ends: thousands of
 * bodies cut off, zstd bodies cut off after inflating to 15 MB each, HTTP/2 streams reset
 * as soon as opened, and HTTP/2 streams whose answers cannot be written. Each time the
 * heap after a full collection stays within a few MB of what it was, the body budget is
 * all given back, every request is counted, and an honest caller posting beside the
 * attack gets every one of its dumps accepted.
 */
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
@TestPropertySource(properties = { "forwarder.ingest.request-timeout=60s", "forwarder.ingest.write-timeout=10s" })
class EndedRequestsSmallHeapTests extends AbstractServiceTests {

    /** What the heap may grow by, after a full collection, over one attack. */
    private static final long HEAP_BOUND = 16L * 1024 * 1024;

    /**
     * 3,000 requests declaring 100 KB, sending 10 bytes and closing: each had reserved
     * and allocated 16 KB, and held its connection's state besides.
     */
    @Test
    void bodiesCutOffFreeWhatTheyHeldAtOnce() throws Exception {
        long invalid = this.meters.received("invalid");
        int requests = 3000;
        long heap = heapAfterCollection();
        try (HonestCaller honest = new HonestCaller(this.port)) {
            ExecutorService attackers = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    sent.add(attackers.submit(() -> {
                        for (int j = 0; j < requests / 8; j++) {
                            try (RawConnection connection = new RawConnection(this.port)) {
                                connection
                                    .send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                            + "Content-Length: 100000\r\n\r\n{\"uid\":123");
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> attacker : sent) {
                    attacker.get();
                }
            }
            finally {
                attackers.shutdownNow();
            }
            await().atMost(WAIT).until(() -> this.meters.received("invalid") == invalid + requests);
            honest.assertEveryDumpAccepted();
        }
        assertThat(heapAfterCollection() - heap).as("heap growth over %d bodies cut off", requests)
            .isLessThan(HEAP_BOUND);
        assertThat(this.meters.gauge("dumps.ingest.inflight.bytes")).isZero();
    }

    /**
     * Eight zstd bodies of 1.4 KB that inflate to 15 MB of NDJSON each, cut off once the
     * service holds their inflated bytes: 120 MB if they stayed.
     */
    @Test
    void zstdBodiesCutOffFreeTheirInflatedBytes() throws Exception {
        byte[] compressed = Zstd.compress(ndjson(15_000_000), 19);
        long heap = heapAfterCollection();
        LongAccumulator held = new LongAccumulator(Math::max, 0);
        try (HonestCaller honest = new HonestCaller(this.port)) {
            for (int i = 0; i < 8; i++) {
                try (RawConnection connection = new RawConnection(this.port)) {
                    connection.send("POST /v1/dumps HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
                            + "Content-Encoding: zstd\r\nContent-Length: " + (compressed.length + 1000) + "\r\n\r\n");
                    connection.send(compressed);
                    await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.inflight.bytes") > 8_000_000);
                    held.accumulate((long) this.meters.gauge("dumps.ingest.inflight.bytes"));
                }
                await().atMost(WAIT).until(() -> this.meters.gauge("dumps.ingest.inflight.bytes") == 0);
            }
            honest.assertEveryDumpAccepted();
        }
        assertThat(held.get()).as("bytes one cut-off body held").isGreaterThan(8_000_000);
        assertThat(heapAfterCollection() - heap).as("heap growth over 8 inflated bodies cut off")
            .isLessThan(HEAP_BOUND);
    }

    /**
     * HTTP/2 rapid reset: 60 connections each open streams with a body under way and
     * reset them at once; each stream's state goes with its reset, and past
     * forwarder.ingest.http2.max-resets (100 in 10 s) the connection is closed, counted
     * and logged at most a few lines a second, without a stack trace.
     */
    @Test
    void streamsResetFreeTheirStateAndTooManyResetsCloseTheConnection(CapturedOutput output) throws Exception {
        double errors = this.meters.count("dumps.ingest.connection.errors", "kind", "http2");
        int connections = 60;
        long heap = heapAfterCollection();
        long started = System.nanoTime();
        try (HonestCaller honest = new HonestCaller(this.port)) {
            ExecutorService attackers = Executors.newFixedThreadPool(6);
            try {
                List<Future<Boolean>> closed = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    closed.add(attackers.submit(() -> {
                        try (RawHttp2 h2 = new RawHttp2(this.port, -1)) {
                            try {
                                for (int j = 0; j < 120; j++) {
                                    int stream = h2.post("application/json", 100_000,
                                            "{\"uid\":123".getBytes(StandardCharsets.UTF_8));
                                    h2.reset(stream);
                                }
                                h2.flush();
                            }
                            catch (IOException ex) {
                                // Closed by the service while the streams went out.
                                return true;
                            }
                            return h2.closedByServer();
                        }
                    }));
                }
                for (Future<Boolean> connection : closed) {
                    assertThat(connection.get()).as("closed past max-resets").isTrue();
                }
            }
            finally {
                attackers.shutdownNow();
            }
            honest.assertEveryDumpAccepted();
        }
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds() + 1;
        await().atMost(WAIT)
            .until(() -> this.meters.count("dumps.ingest.connection.errors", "kind", "http2") == errors + connections);
        assertThat(heapAfterCollection() - heap).as("heap growth over %d streams reset", connections * 100)
            .isLessThan(HEAP_BOUND);
        List<String> lines = output.getOut().lines().filter((line) -> line.contains("ConnectionErrors")).toList();
        assertThat(lines).isNotEmpty().hasSizeLessThanOrEqualTo((int) (5 * (seconds + 1)));
        assertThat(lines).noneMatch((line) -> line.contains("stack_trace"));
        assertThat(output.getOut()).doesNotContain("reached at the tail of the pipeline");
    }

    /**
     * HTTP/2 streams whose answers cannot be written (the caller's windows at 0, never
     * opened): at most forwarder.ingest.http2.max-streams of them open at once over all
     * connections, the rest refused with REFUSED_STREAM before their request is read, and
     * the connections of those that stay unanswered closed at the write timeout (10 s
     * here, far longer than sending them all takes), freeing every stream.
     */
    @Test
    void streamsThatCannotTakeTheirAnswersAreBoundedAndClosed() throws Exception {
        double refused = this.meters.count("dumps.ingest.streams.refused");
        double timeouts = this.meters.count("dumps.ingest.write.timeouts");
        int connections = 24;
        int streams = 100;
        byte[] dump = "{\"uid\":7,\"traceId\":\"zero-window\"}".getBytes(StandardCharsets.UTF_8);
        long heap = heapAfterCollection();
        LongAccumulator open = new LongAccumulator(Math::max, 0);
        AtomicBoolean watching = new AtomicBoolean(true);
        List<RawHttp2> attackers = new ArrayList<>();
        try (HonestCaller honest = new HonestCaller(this.port)) {
            Thread watch = new Thread(() -> {
                while (watching.get()) {
                    open.accumulate((long) this.meters.gauge("dumps.ingest.streams"));
                    LockSupport.parkNanos(1_000_000);
                }
            });
            watch.start();
            try {
                for (int i = 0; i < connections; i++) {
                    RawHttp2 h2 = new RawHttp2(this.port, 0);
                    attackers.add(h2);
                    for (int j = 0; j < streams; j++) {
                        h2.post("application/json", dump.length, dump);
                    }
                    h2.flush();
                }
                assertThat(attackers.get(connections - 1).awaitReset(RawHttp2.REFUSED_STREAM)).isTrue();
                await().atMost(WAIT.multipliedBy(2)).until(() -> this.meters.gauge("dumps.ingest.streams") == 0);
            }
            finally {
                watching.set(false);
                watch.join();
            }
            honest.assertEveryDumpAccepted();
        }
        finally {
            for (RawHttp2 h2 : attackers) {
                h2.close();
            }
        }
        assertThat(open.get()).as("open streams at most").isEqualTo(1024);
        assertThat(this.meters.count("dumps.ingest.streams.refused"))
            .isGreaterThanOrEqualTo(refused + connections * streams - 1024);
        assertThat(this.meters.count("dumps.ingest.write.timeouts")).isGreaterThan(timeouts);
        assertThat(heapAfterCollection() - heap).as("heap growth over %d streams", connections * streams)
            .isLessThan(HEAP_BOUND);
    }

    private static long heapAfterCollection() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static byte[] ndjson(int size) {
        byte[] line = "{\"uid\":1,\"traceId\":\"cut\",\"scene\":\"home\",\"candidates\":[1,2,3,4,5,6,7,8,9]}\n"
            .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream(size + line.length);
        while (body.size() < size) {
            body.writeBytes(line);
        }
        return body.toByteArray();
    }

    /**
     * A caller that posts a dump every 20 ms while an attack goes on, over HTTP/1.1, each
     * with up to 10 s for its answer.
     */
    private static final class HonestCaller implements AutoCloseable {

        private final AtomicBoolean running = new AtomicBoolean(true);

        private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();

        private final Thread thread;

        HonestCaller(int port) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/dumps"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"uid\":42,\"traceId\":\"honest\"}"))
                .build();
            this.thread = new Thread(() -> {
                while (this.running.get()) {
                    int status;
                    try {
                        status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    }
                    catch (IOException ex) {
                        status = -1;
                    }
                    catch (InterruptedException ex) {
                        return;
                    }
                    this.statuses.computeIfAbsent(status, (key) -> new AtomicLong()).incrementAndGet();
                    LockSupport.parkNanos(20_000_000);
                }
            });
            this.thread.start();
        }

        void assertEveryDumpAccepted() throws InterruptedException {
            this.running.set(false);
            this.thread.join();
            assertThat(this.statuses.keySet()).as("the honest caller's answers: %s", this.statuses).containsOnly(202);
        }

        @Override
        public void close() throws InterruptedException {
            this.running.set(false);
            this.thread.join();
        }

    }

}
