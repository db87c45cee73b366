package io.dumpforwarder.forward;

import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.pipeline.Dump;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.ratelimiter.operator.RateLimiterOperator;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

/** Sends one dump to the downstream and tells what became of it; the returned Mono never fails. */
@Component
public class DumpForwarder {

    static final String RESILIENCE_NAME = "dump";

    /** Added to the attempt timeout and the longest permit wait to make the deadline no forward outlives. */
    private static final Duration DEADLINE_SLACK = Duration.ofSeconds(1);

    /** Most bytes of an answer's body read; collectors answer with little or nothing. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    static final String UID_HEADER = "X-Uid";

    static final String TRACE_ID_HEADER = "X-Trace-Id";

    private final WebClient client;

    private final URI dumpUrl;

    private final Duration attemptTimeout;

    private final Duration deadline;

    private final Forwarded stalled;

    private final CircuitBreakerOperator<Void> breaker;

    private final UnaryOperator<Mono<Void>> rateLimit;

    DumpForwarder(WebClient downstreamWebClient, ForwarderProperties properties, CircuitBreakerRegistry breakers,
            RateLimiterRegistry rateLimiters) {
        this.client = downstreamWebClient;
        this.dumpUrl = properties.dumpUrl();
        this.attemptTimeout = properties.client().attemptTimeout();
        CircuitBreaker circuitBreaker = breakers.circuitBreaker(RESILIENCE_NAME);
        this.breaker = CircuitBreakerOperator.of(circuitBreaker);
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
        this.deadline = this.attemptTimeout.plus(permitWait).plus(DEADLINE_SLACK);
        this.stalled = new Forwarded(Outcome.ERROR, "no outcome within " + this.deadline.toMillis() + " ms");
    }

    public Mono<Forwarded> forward(Dump dump) {
        // Operators from the inside out: the exchange is bounded by the attempt timeout; the breaker wraps
        // the timed exchange, so it records timeouts and non-2xx answers as failures and, while open, fails
        // fast before any connection is touched; the rate limiter is outermost, so the wait for a permit is
        // never timed as a slow call, and a dump refused a permit never reaches the breaker.
        return this.client.post()
            .uri(this.dumpUrl)
            .contentType(MediaType.APPLICATION_JSON)
            .headers((headers) -> identify(headers, dump))
            .bodyValue(dump.body())
            .exchangeToMono(DumpForwarder::consume)
            .timeout(this.attemptTimeout)
            .transformDeferred(this.breaker)
            .transform(this.rateLimit)
            .thenReturn(Forwarded.SUCCESS)
            .onErrorResume((error) -> Mono.just(Failures.classify(error)))
            // A guard, not a timeout: whatever an operator above does, no dump stays in flight forever.
            .timeout(this.deadline, Mono.just(this.stalled));
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
     * Reads and drops the answer's body so the connection goes back to the pool, then judges the status. A
     * body longer than {@link #MAX_ANSWER_BYTES} is not read on: the connection is closed instead.
     */
    private static Mono<Void> consume(ClientResponse response) {
        long[] read = { 0 };
        Mono<Void> drained = response.bodyToFlux(DataBuffer.class)
            .takeUntil((buffer) -> (read[0] += buffer.readableByteCount()) > MAX_ANSWER_BYTES)
            .doOnNext(DataBufferUtils::release)
            .then();
        return response.statusCode().is2xxSuccessful() ? drained
                : drained.then(Mono.error(new DownstreamStatusException(response.statusCode())));
    }

}
