package io.dumpforwarder.forward;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.ForwarderProperties.Concurrency;
import io.dumpforwarder.pipeline.Dump;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.http.HttpStatusCode;
import org.springframework.stereotype.Component;

/**
 * Sends dumps to the downstream, one request per call, and tells what became of them; the
 * returned Mono never fails. Unbatched, a call carries one dump as it came in; batched,
 * an NDJSON body of the dumps, one per line.
 */
@Component
public class DumpForwarder {

    static final String RESILIENCE_NAME = "dump";

    /**
     * Added to the attempt timeout and the longest permit wait to make the deadline no
     * forward outlives.
     */
    private static final Duration DEADLINE_SLACK = Duration.ofSeconds(1);

    /** Most bytes of an answer's body read; collectors answer with little or nothing. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    static final String UID_HEADER = "X-Uid";

    static final String TRACE_ID_HEADER = "X-Trace-Id";

    static final String DUMP_COUNT_HEADER = "X-Dump-Count";

    static final AsciiString NDJSON = AsciiString.cached("application/x-ndjson");

    /**
     * A POST to the dump URL, built once: each request only adds its headers and body.
     */
    private final HttpClient.RequestSender post;

    private final Duration attemptTimeout;

    private final Duration deadline;

    private final Forwarded stalled;

    private final boolean batched;

    private final boolean gzip;

    private final CircuitBreakerOperator<Void> breaker;

    private final DownstreamPause pause;

    private final Retries retries;

    private final ConcurrencyLimit concurrency;

    private final long maxAgeNanos;

    /**
     * With {@code forwarder.circuit-open: hold}, when a refused attempt may try again;
     * else {@code null}.
     */
    private final BreakerChanges breakerChanges;

    private final Forwarded heldTooLong;

    private final CircuitBreaker circuitBreaker;

    private final UnaryOperator<Mono<Void>> rateLimit;

    DumpForwarder(HttpClient downstreamHttpClient, ForwarderProperties properties, CircuitBreakerRegistry breakers,
            RateLimiterRegistry rateLimiters, DownstreamPause pause, Retries retries, ConcurrencyLimit concurrency) {
        this.post = downstreamHttpClient.post().uri(properties.dumpUrl());
        this.pause = pause;
        this.retries = retries;
        this.concurrency = concurrency;
        this.maxAgeNanos = properties.maxAge().toNanos();
        this.attemptTimeout = properties.client().attemptTimeout();
        this.batched = properties.batch().enabled();
        this.gzip = properties.compression() == ForwarderProperties.Compression.GZIP;
        this.circuitBreaker = breakers.circuitBreaker(RESILIENCE_NAME);
        this.breaker = CircuitBreakerOperator.of(this.circuitBreaker);
        boolean hold = properties.circuitOpen() == ForwarderProperties.CircuitOpen.HOLD;
        this.breakerChanges = hold ? new BreakerChanges(this.circuitBreaker) : null;
        this.heldTooLong = new Forwarded(Outcome.EXPIRED, "held by the open circuit breaker past forwarder.max-age");
        Duration permitWait = Duration.ZERO;
        if (properties.rateLimiter().enabled()) {
            RateLimiter rateLimiter = rateLimiters.rateLimiter(RESILIENCE_NAME);
            RateLimiterOperator<Void> limiter = RateLimiterOperator.of(rateLimiter);
            this.rateLimit = (send) -> send.transformDeferred(limiter);
            permitWait = rateLimiter.getRateLimiterConfig().getTimeoutDuration();
        }
        else {
            this.rateLimit = UnaryOperator.identity();
        }
        // With retries, an adaptive limit or holding while the breaker is open, no
        // attempt starts past the oldest
        // dump's max age; the last one may run its full course.
        boolean waits = retries.enabled() || properties.concurrency().mode() == Concurrency.Mode.ADAPTIVE || hold;
        this.deadline = (waits ? properties.maxAge() : Duration.ZERO).plus(this.attemptTimeout)
            .plus(permitWait)
            .plus(DEADLINE_SLACK);
        this.stalled = new Forwarded(Outcome.ERROR, "no outcome within " + this.deadline.toMillis() + " ms");
    }

    /**
     * Sends the dumps in one request (and, with retries on, again after a failure that
     * may pass).
     */
    public Mono<Forwarded> forward(List<Dump> dumps) {
        return attempt(dumps, 1)
            // A guard, not a timeout: whatever an operator above does, no dump stays in
            // flight forever.
            .timeout(this.deadline, Mono.just(this.stalled));
    }

    private Mono<Forwarded> attempt(List<Dump> dumps, int number) {
        if (this.breakerChanges == null) {
            return send(dumps).flatMap((attempt) -> settle(dumps, number, attempt));
        }
        return Mono.defer(() -> {
            // Taken before the attempt, so a change between the refusal and the wait is
            // not missed.
            Mono<Void> breakerMoved = this.breakerChanges.next();
            return send(dumps).flatMap((attempt) -> (attempt.result().outcome() == Outcome.CIRCUIT_OPEN)
                    ? hold(dumps, number, breakerMoved) : settle(dumps, number, attempt));
        });
    }

    /**
     * An attempt the open breaker refused waits for it to move (and for any pause the
     * collector asked for), then asks again; it is not a retry.
     */
    private Mono<Forwarded> hold(List<Dump> dumps, int number, Mono<Void> breakerMoved) {
        long left = expiresAt(dumps) - System.nanoTime();
        if (left <= 0) {
            return Mono.just(this.heldTooLong);
        }
        return breakerMoved.thenReturn(Boolean.TRUE)
            .timeout(Duration.ofNanos(left), Mono.just(Boolean.FALSE))
            .flatMap((moved) -> moved ? this.pause.over().then(attempt(dumps, number)) : Mono.just(this.heldTooLong));
    }

    /**
     * Counts a finished attempt, and returns its result or, after a backoff, that of the
     * next attempt.
     */
    private Mono<Forwarded> settle(List<Dump> dumps, int number, Attempt attempt) {
        this.retries.attempted(number, attempt.result().outcome(), dumps.size());
        Duration backoff = this.retries.backoff(number, attempt.retryable(), isBreakerOpen(),
                this.pause.remainingNanos(), expiresAt(dumps));
        return (backoff != null) ? Mono.delay(backoff).then(this.pause.over()).then(attempt(dumps, number + 1))
                : Mono.just(attempt.result());
    }

    private boolean isBreakerOpen() {
        CircuitBreaker.State state = this.circuitBreaker.getState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

    /**
     * One request, never failing: its outcome, and whether trying again might succeed.
     */
    private Mono<Attempt> send(List<Dump> dumps) {
        // Operators from the inside out: the exchange is bounded by the attempt timeout;
        // the breaker wraps
        // the timed exchange, so it records timeouts and non-2xx answers as failures and,
        // while open, fails
        // fast before any connection is touched; the concurrency limit (adaptive mode)
        // and then the rate
        // limiter are outside it, so the waits for their permits are never timed as slow
        // calls, and an
        // attempt refused a permit never reaches the breaker.
        boolean[] answered = { false };
        Mono<Void> exchange = this.post
            .send((request, out) -> out.send(Mono.just(body(dumps, request.requestHeaders()))))
            .response((response, body) -> {
                answered[0] = true;
                return consume(response, body);
            })
            .then()
            .timeout(this.attemptTimeout)
            .doOnError(DownstreamStatusException.class, this::pauseIfAsked)
            .transformDeferred(this.breaker);
        return this.concurrency.around(exchange, expiresAt(dumps))
            .transform(this.rateLimit)
            .thenReturn(Attempt.SUCCESS)
            .onErrorResume((error) -> Mono
                .just(new Attempt(Failures.classify(error), Failures.isRetryable(error, answered[0]))));
    }

    /** When the oldest of the dumps passes max age, in {@link System#nanoTime()}. */
    private long expiresAt(List<Dump> dumps) {
        long oldest = dumps.get(0).receivedNanos();
        for (Dump dump : dumps) {
            oldest = (dump.receivedNanos() - oldest < 0) ? dump.receivedNanos() : oldest;
        }
        return oldest + this.maxAgeNanos;
    }

    private void pauseIfAsked(DownstreamStatusException answer) {
        if (answer.retryAfter() != null) {
            this.pause.pause(answer.retryAfter(), answer.status().value());
        }
    }

    /**
     * The request's body, and the headers that describe it: one dump as it came in, or an
     * NDJSON batch, gzipped if so configured. Built as the request is written, for each
     * attempt, so a refused attempt costs nothing.
     */
    private ByteBuf body(List<Dump> dumps, HttpHeaders headers) {
        if (this.batched) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, NDJSON).set(DUMP_COUNT_HEADER, dumps.size());
        }
        else {
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            identify(headers, dumps.get(0));
        }
        ByteBuf body;
        if (this.gzip) {
            headers.set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
            body = Unpooled.wrappedBuffer(DumpBodies.gzip(dumps, this.batched));
        }
        else {
            body = this.batched ? DumpBodies.ndjson(dumps) : Unpooled.wrappedBuffer(dumps.get(0).body());
        }
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return body;
    }

    private static void identify(HttpHeaders headers, Dump dump) {
        if (dump.uid() != null) {
            headers.set(UID_HEADER, dump.uid());
        }
        if (dump.traceId() != null) {
            headers.set(TRACE_ID_HEADER, dump.traceId());
        }
    }

    /**
     * Reads and drops the answer's body so the connection goes back to the pool, then
     * judges the status. A body longer than {@link #MAX_ANSWER_BYTES} is not read on: the
     * connection is closed instead.
     */
    private static Mono<Void> consume(HttpClientResponse response, ByteBufFlux body) {
        long[] read = { 0 };
        Mono<Void> drained = body.takeUntil((buffer) -> {
            read[0] += buffer.readableBytes();
            return read[0] > MAX_ANSWER_BYTES;
        }).then();
        int status = response.status().code();
        if (status >= 200 && status < 300) {
            return drained;
        }
        Duration retryAfter = (status == 429 || status == 503)
                ? RetryAfter.parse(response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER), Clock.systemUTC())
                : null;
        return drained.then(Mono.error(new DownstreamStatusException(HttpStatusCode.valueOf(status), retryAfter)));
    }

    /**
     * The outcome of one attempt.
     *
     * @param result what became of it
     * @param retryable whether a later attempt may succeed
     */
    private record Attempt(Forwarded result, boolean retryable) {

        static final Attempt SUCCESS = new Attempt(Forwarded.SUCCESS, false);

    }

}
