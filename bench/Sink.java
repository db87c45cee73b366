import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The benchmark's downstream: a Reactor Netty server on one event loop that answers every POST with 204 (after
 * an optional delay) and counts requests and dumps: the X-Dump-Count header of a batch, else the newlines of an
 * NDJSON body, else one. GET /stats answers "requests dumps". With a capacity it serves at most that many
 * requests at a time, each for the delay, and queues the rest in arrival order, like a collector with a fixed
 * number of workers. GET /latency answers "p50_ms p99_ms" of the requests answered since the last GET
 * /latency, from arrival to answer.
 *
 * Run with the application's libraries on the class path:
 * java -Dreactor.netty.ioWorkerCount=1 -cp 'lib/*' bench/Sink.java PORT [DELAY_MS [CAPACITY]]
 */
public final class Sink {

    /** Latencies in buckets of 0.1 ms, up to 10 s. */
    private static final AtomicLongArray latencies = new AtomicLongArray(100_000);

    /** Requests served at once at most, 0 for no limit; the rest queue. Guarded by the queue. */
    private static int capacity;

    private static int serving;

    private static final Queue<Runnable> queued = new ArrayDeque<>();

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Duration delay = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 0);
        capacity = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        LongAdder requests = new LongAdder();
        LongAdder dumps = new LongAdder();
        LongAdder traceExports = new LongAdder();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(port).route((routes) -> routes
            .get("/stats", (request, response) -> response.sendString(Mono.fromSupplier(() -> requests.sum() + " " + dumps.sum())))
            .get("/latency", (request, response) -> response.sendString(Mono.fromSupplier(Sink::percentiles)))
            // OTLP/HTTP span exports of the tracing scenario: read, counted, answered 200.
            .post("/v1/traces", (request, response) -> request.receive()
                .then(Mono.fromRunnable(traceExports::increment))
                .then(response.status(200).header("Content-Type", "application/x-protobuf").send()))
            .get("/traces", (request, response) -> response.sendString(Mono.fromSupplier(() -> traceExports.sum() + "")))
            .post("/dumps", (request, response) -> {
                long arrived = System.nanoTime();
                String declared = request.requestHeaders().get("X-Dump-Count");
                boolean ndjson = declared == null
                        && String.valueOf(request.requestHeaders().get("Content-Type")).startsWith("application/x-ndjson");
                long[] lines = { 0 };
                Mono<Void> answer = request.receive()
                    .doOnNext((body) -> lines[0] += ndjson ? newlines(body) : 0)
                    .then(Mono.fromRunnable(() -> {
                        requests.increment();
                        dumps.add(declared != null ? Long.parseLong(declared) : ndjson ? lines[0] : 1);
                    }));
                Mono<Void> work = delay.isZero() ? Mono.empty() : Mono.delay(delay).then();
                if (capacity > 0) {
                    // 0 queued, 1 served, 2 gone: a request abandoned while queued passes its turn on.
                    AtomicInteger state = new AtomicInteger();
                    Mono<Void> turn = Mono.create((granted) -> take(() -> {
                        if (state.compareAndSet(0, 1)) {
                            granted.success();
                        }
                        else {
                            leave();
                        }
                    }));
                    work = turn.then(work).doFinally((signal) -> {
                        if (state.getAndSet(2) == 1) {
                            leave();
                        }
                    });
                }
                answer = answer.then(work);
                return answer.then(Mono.fromRunnable(() -> record(System.nanoTime() - arrived)))
                    .then(response.status(204).send());
            }))
            .bindNow();
        System.out.println("sink listening on " + server.port() + ", delay " + delay.toMillis() + " ms, capacity "
                + ((capacity > 0) ? capacity : "unlimited"));
        server.onDispose().block();
    }

    private static void take(Runnable serve) {
        synchronized (queued) {
            if (serving >= capacity) {
                queued.add(serve);
                return;
            }
            serving++;
        }
        serve.run();
    }

    /** A served request is answered (or abandoned): the oldest queued one takes its place. */
    private static void leave() {
        Runnable next;
        synchronized (queued) {
            next = queued.poll();
            if (next == null) {
                serving--;
                return;
            }
        }
        next.run();
    }

    private static void record(long nanos) {
        latencies.incrementAndGet((int) Math.min(latencies.length() - 1, nanos / 100_000));
    }

    private static String percentiles() {
        long[] counts = new long[latencies.length()];
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = latencies.getAndSet(i, 0);
            total += counts[i];
        }
        return percentile(counts, total, 0.50) + " " + percentile(counts, total, 0.99);
    }

    private static String percentile(long[] counts, long total, double rank) {
        long wanted = (long) Math.ceil(total * rank);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= wanted && total > 0) {
                return String.format("%.1f", (i + 1) / 10.0);
            }
        }
        return "0";
    }

    private static long newlines(ByteBuf body) {
        long[] count = { 0 };
        body.forEachByte((ByteProcessor) (value) -> {
            if (value == '\n') {
                count[0]++;
            }
            return true;
        });
        return count[0];
    }

}
