import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The benchmark's lean reference: a forwarder of the callers' Go client's design on bare Reactor Netty, no Spring,
 * measured in the same run as the service. One HttpServer and one HttpClient; a semaphore of 100 forwards in flight
 * (503 at once when it is full); the received body forwarded as the received buffer, with the caller's Content-Type;
 * dial timeout 500 ms, response timeout 100 ms, keep-alive; nothing counted, validated, queued or retried.
 *
 * Run with the application's libraries on the class path:
 * java -cp 'lib/*' bench/LeanForwarder.java PORT DUMP_URL
 */
public final class LeanForwarder {

    private static final int PERMITS = 100;

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        String dumpUrl = args[1];
        AtomicInteger inflight = new AtomicInteger();
        ConnectionProvider pool = ConnectionProvider.builder("lean").maxConnections(PERMITS).pendingAcquireMaxCount(PERMITS)
            .maxIdleTime(Duration.ofMinutes(10)).build();
        HttpClient client = HttpClient.create(pool).option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, 500)
            .responseTimeout(Duration.ofMillis(100));
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(port).route((routes) -> routes
            .post("/v1/dumps", (request, response) -> {
                if (inflight.incrementAndGet() > PERMITS) {
                    inflight.decrementAndGet();
                    return request.receive().then(response.status(HttpResponseStatus.SERVICE_UNAVAILABLE).send());
                }
                String contentType = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
                return request.receive().aggregate().retain().flatMap((body) -> {
                    client.headers((headers) -> headers.set(HttpHeaderNames.CONTENT_TYPE, contentType))
                        .post()
                        .uri(dumpUrl)
                        .send(Mono.just(body))
                        .responseSingle((answer, answerBody) -> answerBody.then())
                        .onErrorResume((error) -> Mono.empty())
                        .doFinally((signal) -> inflight.decrementAndGet())
                        .subscribe();
                    return response.status(HttpResponseStatus.ACCEPTED)
                        .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .sendString(Mono.just("{\"accepted\":1}"))
                        .then();
                });
            }))
            .bindNow();
        System.out.println("lean forwarder listening on " + server.port() + ", forwarding to " + dumpUrl);
        server.onDispose().block();
    }

}
