import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The benchmark's downstream: a Reactor Netty server on one event loop that answers every POST with 204 (after
 * an optional delay) and counts requests and dumps: the X-Dump-Count header of a batch, else the newlines of an
 * NDJSON body, else one. GET /stats answers "requests dumps".
 *
 * Run with the application's libraries on the class path:
 * java -Dreactor.netty.ioWorkerCount=1 -cp 'lib/*' bench/Sink.java PORT [DELAY_MS]
 */
public final class Sink {

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Duration delay = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 0);
        LongAdder requests = new LongAdder();
        LongAdder dumps = new LongAdder();
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(port).route((routes) -> routes
            .get("/stats", (request, response) -> response.sendString(Mono.fromSupplier(() -> requests.sum() + " " + dumps.sum())))
            .post("/dumps", (request, response) -> {
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
                if (!delay.isZero()) {
                    answer = answer.then(Mono.delay(delay)).then();
                }
                return answer.then(response.status(204).send());
            }))
            .bindNow();
        System.out.println("sink listening on " + server.port() + ", delay " + delay.toMillis() + " ms");
        server.onDispose().block();
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
