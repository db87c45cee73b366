package io.dumpforwarder.forward;

import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.dumpforwarder.breaker.BreakerChanges;
import io.dumpforwarder.breaker.ResilienceConfiguration;
import io.dumpforwarder.collector.AttemptResult;
import io.dumpforwarder.collector.ClientProperties;
import io.dumpforwarder.collector.Exchange;
import io.dumpforwarder.concurrency.ConcurrencyLimit;
import io.dumpforwarder.config.BatchProperties;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.MaxAge;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.ratelimit.RateLimiter;
import io.dumpforwarder.retry.CollectorPause;
import io.dumpforwarder.retry.RetryPolicy;
import io.dumpforwarder.trace.DumpTracing;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.stereotype.Component;

/**
 * Delivers dumps to the collector, one request per attempt, and tells what became of
 * them; the returned Mono never fails. The delivery policy is a {@link Forward}'s: an
 * attempt waits out a pause the collector asked for, an attempt the open breaker refuses
 * is held until the breaker moves ({@code forwarder.circuit-open: hold}), and a failure
 * that may pass is retried, paced by the retry budget, until it passes. No attempt starts
 * past the oldest dump's max age. This class holds what the forwards share, and stops
 * them at shutdown.
 */
@Component
public class DumpForwarder {

    /**
     * Added to the longest the rate limiter may take, for the guard that ends its wait.
     */
    static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(1);

    final CollectorPause pause;

    final RetryPolicy retries;

    final ConcurrencyLimit concurrency;

    final RateLimiter rateLimiter;

    /**
     * With {@code forwarder.circuit-open: hold}, when a refused attempt may try again;
     * {@code null} with {@code drop}.
     */
    final BreakerChanges breakerChanges;

    final TimingWheel timer;

    final DumpTracing tracing;

    final MaxAge maxAge;

    final long attemptTimeoutNanos;

    final ForwardResult heldTooLong;

    final ForwardResult pausedTooLong;

    final ForwardResult stalled;

    final AttemptResult permitExpired;

    /** The forwards in flight, stopped at shutdown. */
    final Set<Forward> live = ConcurrentHashMap.newKeySet();

    volatile boolean stopping;

    /** Set once every forward is cut: one that starts after it settles at once. */
    volatile boolean cutting;

    private final HttpClient collectorHttpClient;

    private final ForwarderProperties properties;

    private final BatchProperties batch;

    private final Forward.Route collector;

    DumpForwarder(HttpClient collectorHttpClient, ForwarderProperties properties, BatchProperties batch,
            ClientProperties client, MaxAge maxAge, CircuitBreakerRegistry breakers, RateLimiter rateLimiter,
            CollectorPause pause, RetryPolicy retries, ConcurrencyLimit concurrency, DumpTracing tracing,
            TimingWheel timer) {
        this.collectorHttpClient = collectorHttpClient;
        this.properties = properties;
        this.batch = batch;
        this.timer = timer;
        this.tracing = tracing;
        this.attemptTimeoutNanos = client.attemptTimeout().toNanos();
        this.maxAge = maxAge;
        this.heldTooLong = new ForwardResult(Outcome.EXPIRED,
                "held by the open circuit breaker past " + this.maxAge.key());
        this.pausedTooLong = new ForwardResult(Outcome.EXPIRED,
                "paused at the collector's request past " + this.maxAge.key());
        this.stalled = new ForwardResult(Outcome.ERROR, "no answer from the rate limiter within "
                + TimeUnit.NANOSECONDS.toMillis(rateLimiter.longestTakeNanos() + SLACK_NANOS) + " ms");
        this.permitExpired = Forward.refusal(Outcome.EXPIRED,
                "expired waiting for a permit of the adaptive concurrency limit");
        this.pause = pause;
        this.retries = retries;
        this.concurrency = concurrency;
        this.rateLimiter = rateLimiter;
        CircuitBreaker breaker = ResilienceConfiguration.lockFreeWindowsOfTwo(breakers.circuitBreaker(Dump.CARRIER));
        boolean hold = properties.circuitOpen() == ForwarderProperties.CircuitOpen.HOLD;
        this.breakerChanges = hold ? new BreakerChanges(breaker) : null;
        this.collector = new Forward.Route(new Exchange(collectorHttpClient, tracing, properties, batch), breaker,
                true);
    }

    /**
     * Ends every wait between attempts (a pause, a hold, a backoff) with
     * {@code shutdown}, and starts no retry; an attempt on the wire goes on until its
     * answer, its timeout or {@link #stopSending()}.
     */
    public void stopWaiting() {
        this.stopping = true;
        this.live.forEach(Forward::stopWaiting);
    }

    /**
     * Cuts every attempt on the wire: one whose answer's status was read ends by it (a
     * 2xx is delivered), any other with {@code shutdown}; so does every wait for a
     * permit.
     */
    public void stopSending() {
        stopWaiting();
        this.cutting = true;
        this.live.forEach(Forward::stopSending);
    }

    /**
     * Sends the dumps in one request (again after a failure that may pass, if so set).
     */
    public Mono<ForwardResult> forward(List<Dump> dumps) {
        return Mono.create((sink) -> {
            Forward forward = new Forward(this, this.collector, dumps, sink);
            this.live.add(forward);
            forward.start();
        });
    }

    /** A dump not delivered within its max age, tried this many times, last with this. */
    ForwardResult expired(ForwardResult last, int attempts) {
        return new ForwardResult(
                Outcome.EXPIRED, "not delivered within " + this.maxAge.key() + "; the last attempt: "
                        + last.outcome().tag() + ((last.detail() != null) ? " (" + last.detail() + ")" : ""),
                false, last.status(), attempts);
    }

    /**
     * Runs a forward's code (its exchange, timer and breaker calls) this many times
     * against a sink instead of the collector, before readiness, so that a fresh start's
     * first forward is not the first to run it (and to load its classes on an event loop
     * a caller waits on). Each is one attempt: nothing of it is counted or retried, it
     * takes no permit, and the collector's breaker records none of it: the attempts go
     * through a breaker of their own.
     * @return how many attempts the sink took
     */
    Mono<Integer> warmUp(URI sink, List<Dump> dumps, int times) {
        Forward.Route route = new Forward.Route(
                new Exchange(this.collectorHttpClient, this.tracing, this.properties, this.batch, sink),
                CircuitBreaker.ofDefaults("warm-up"), false);
        return Flux.range(0, times)
            .concatMap((i) -> Mono.<ForwardResult>create((done) -> new Forward(this, route, dumps, done).start()))
            .filter((result) -> result.outcome() == Outcome.SUCCESS)
            .count()
            .map(Math::toIntExact);
    }

}
