package io.dumpforwarder.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A real HTTP collector on 127.0.0.1 and a free port, standing in for the dump collector.
 * Tests script how it answers and read what it recorded: every body and its headers, the
 * connections opened and the most requests it served at once.
 */
public final class TestCollector implements AutoCloseable {

    private final LoopResources loops = LoopResources.create("test-collector", 1, true);

    private final DisposableServer server;

    private final Queue<Request> requests = new ConcurrentLinkedQueue<>();

    private final Set<Object> connections = ConcurrentHashMap.newKeySet();

    private final AtomicInteger active = new AtomicInteger();

    private final AtomicInteger maxActive = new AtomicInteger();

    private volatile int status = 204;

    private volatile Duration delay = Duration.ZERO;

    private volatile String retryAfter;

    private final AtomicInteger failures = new AtomicInteger();

    private volatile int failureStatus;

    private volatile String failureRetryAfter;

    private volatile Sinks.Empty<Void> hold;

    /** Whether each line is parsed, and a request with a bad or poison line refused. */
    private volatile boolean strict;

    private final List<Request> refused = new CopyOnWriteArrayList<>();

    /**
     * Requests served at once at most, 0 for no limit; the rest wait for their turn.
     * Guarded by turns.
     */
    private int capacity;

    private int serving;

    private final Queue<Turn> turns = new ArrayDeque<>();

    private final Queue<long[]> latencies = new ConcurrentLinkedQueue<>();

    public TestCollector() {
        this.server = HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            // Its own event loop, like a collector in another process: closing the app
            // never stops it.
            .runOn(this.loops)
            .doOnConnection((connection) -> this.connections.add(connection.channel().id()))
            .handle((request, response) -> {
                // Active from arrival until the answer starts (or the client gives up),
                // so a client that already holds its answer never overlaps with its next
                // request in this count.
                long arrived = System.nanoTime();
                int now = this.active.incrementAndGet();
                this.maxActive.accumulateAndGet(now, Math::max);
                AtomicBoolean answered = new AtomicBoolean();
                Runnable done = () -> {
                    if (answered.compareAndSet(false, true)) {
                        this.active.decrementAndGet();
                    }
                };
                boolean failing = this.failures.getAndUpdate((left) -> Math.max(0, left - 1)) > 0;
                int answer = failing ? this.failureStatus : this.status;
                Duration wait = failing ? Duration.ZERO : this.delay;
                String pause = failing ? this.failureRetryAfter : this.retryAfter;
                Sinks.Empty<Void> gate = this.hold;
                Turn turn = new Turn();
                AtomicBoolean refuse = new AtomicBoolean();
                return request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).doOnNext((body) -> {
                    Request received = new Request(request.uri(), body, request.requestHeaders().copy());
                    this.requests.add(received);
                    if (this.strict && StrictReading.refuses(received)) {
                        refuse.set(true);
                        this.refused.add(received);
                    }
                })
                    .then((gate != null) ? gate.asMono() : Mono.empty())
                    .then(Mono.defer(() -> take(turn)))
                    .then(Mono.delay(wait))
                    .then(Mono.defer(() -> {
                        done.run();
                        leave(turn);
                        this.latencies.add(new long[] { arrived, System.nanoTime() - arrived });
                        if (pause != null) {
                            response.header("Retry-After", pause);
                        }
                        return response.status(refuse.get() ? 400 : answer).send();
                    }))
                    .doFinally((signal) -> {
                        done.run();
                        leave(turn);
                    });
            })
            .bindNow();
    }

    public String url() {
        return "http://127.0.0.1:" + this.server.port() + "/dumps";
    }

    /** Answer every request with this status, at once. */
    public TestCollector answer(int status) {
        return answer(status, Duration.ZERO);
    }

    /** Answer every request with this status after this delay. */
    public TestCollector answer(int status, Duration delay) {
        this.status = status;
        this.delay = delay;
        this.retryAfter = null;
        return this;
    }

    /**
     * Answer every request with this status and a {@code Retry-After} header, at once.
     */
    public TestCollector answerRetryAfter(int status, String retryAfter) {
        answer(status);
        this.retryAfter = retryAfter;
        return this;
    }

    /**
     * Answer the next requests with this status (and Retry-After, unless null), then as
     * before.
     */
    public TestCollector failNext(int count, int status, String retryAfter) {
        this.failureStatus = status;
        this.failureRetryAfter = retryAfter;
        this.failures.set(count);
        return this;
    }

    /**
     * Serve at most this many requests at a time, each for the delay of
     * {@link #answer(int, Duration)}; the others queue in arrival order, as a collector
     * with a fixed number of workers would. Applies at once.
     */
    public TestCollector capacity(int capacity) {
        synchronized (this.turns) {
            this.capacity = capacity;
        }
        serveNext();
        return this;
    }

    /** How long each request answered since then took, from its arrival to its answer. */
    public List<Duration> latenciesSince(long nanoTime) {
        return this.latencies.stream()
            .filter((latency) -> latency[0] - nanoTime >= 0)
            .map((latency) -> Duration.ofNanos(latency[1]))
            .toList();
    }

    /**
     * When each request answered so far arrived, in {@link System#nanoTime()}, in the
     * order answered.
     */
    public List<Long> arrivals() {
        return this.latencies.stream().map((latency) -> latency[0]).toList();
    }

    /**
     * Completes when the request may be served: at once without a capacity, else on its
     * turn.
     */
    private Mono<Void> take(Turn turn) {
        synchronized (this.turns) {
            if (this.capacity == 0) {
                return Mono.empty();
            }
            turn.state = Turn.WAITING;
            this.turns.add(turn);
        }
        serveNext();
        return turn.go.asMono();
    }

    /** Frees the request's place, in the queue or among those served, once. */
    private void leave(Turn turn) {
        synchronized (this.turns) {
            if (turn.state == Turn.WAITING) {
                this.turns.remove(turn);
            }
            else if (turn.state == Turn.SERVED) {
                this.serving--;
            }
            turn.state = Turn.LEFT;
        }
        serveNext();
    }

    private void serveNext() {
        List<Turn> go = new ArrayList<>();
        synchronized (this.turns) {
            while (!this.turns.isEmpty() && (this.capacity == 0 || this.serving < this.capacity)) {
                Turn next = this.turns.poll();
                next.state = Turn.SERVED;
                this.serving++;
                go.add(next);
            }
        }
        go.forEach((turn) -> turn.go.tryEmitEmpty());
    }

    /**
     * Keep every request from now on waiting, without an answer, until
     * {@link #release()}.
     */
    public void hold() {
        this.hold = Sinks.empty();
    }

    /** Let the held requests, and all later ones, be answered. */
    public void release() {
        Sinks.Empty<Void> gate = this.hold;
        this.hold = null;
        if (gate != null) {
            gate.tryEmitEmpty();
        }
    }

    /**
     * From now on, parse every line of every request (gunzipped if need be) as a JSON
     * object, and refuse with 400 a request with a line that is not one, or that holds a
     * {@code "poison"} member, as a collector that stores each dump would.
     */
    public TestCollector strict() {
        this.strict = true;
        return this;
    }

    /** The requests refused as not valid NDJSON or holding a poison dump. */
    public List<Request> refused() {
        return this.refused;
    }

    public List<Request> requests() {
        return List.copyOf(this.requests);
    }

    public int requestCount() {
        return this.requests.size();
    }

    public int connectionsOpened() {
        return this.connections.size();
    }

    public int maxConcurrentRequests() {
        return this.maxActive.get();
    }

    public int activeRequests() {
        return this.active.get();
    }

    /** Back to answering 204 at once, with nothing recorded. */
    public void reset() {
        release();
        answer(204);
        this.failures.set(0);
        this.requests.clear();
        this.refused.clear();
        this.strict = false;
        this.connections.clear();
        this.maxActive.set(0);
        this.latencies.clear();
        capacity(0);
    }

    @Override
    public void close() {
        release();
        this.server.disposeNow();
        this.loops.dispose();
    }

    /**
     * A request's place with a collector of limited capacity; its state is guarded by the
     * queue of turns.
     */
    private static final class Turn {

        static final int NEW = 0;

        static final int WAITING = 1;

        static final int SERVED = 2;

        static final int LEFT = 3;

        final Sinks.Empty<Void> go = Sinks.empty();

        int state = NEW;

    }

    /**
     * One request the collector received.
     *
     * @param target its request target, the path and query as they came on the wire
     * @param body its body
     * @param headers its headers
     */
    public record Request(String target, byte[] body, HttpHeaders headers) {

        /** The body as text, gunzipped if it was sent gzipped. */
        public String text() {
            return new String(StrictReading.body(this), StandardCharsets.UTF_8);
        }

    }

}
