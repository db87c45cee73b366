package io.dumpforwarder.forward;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.dumpforwarder.breaker.BreakerChanges;
import io.dumpforwarder.breaker.BreakerStates;
import io.dumpforwarder.breaker.ResilienceConfiguration;
import io.dumpforwarder.collector.AttemptResult;
import io.dumpforwarder.collector.CollectorStatusException;
import io.dumpforwarder.collector.Exchange;
import io.dumpforwarder.collector.FailureClassifier;
import io.dumpforwarder.concurrency.ConcurrencyLimit;
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
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.tracing.Span;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;

import org.springframework.stereotype.Component;

/**
 * Delivers dumps to the collector, one request per attempt, and tells what became of
 * them; the returned Mono never fails. The delivery policy lives here: an attempt waits
 * out a pause the collector asked for, an attempt the open breaker refuses is held until
 * the breaker moves ({@code forwarder.circuit-open: hold}), and a failure that may pass
 * is retried, paced by the retry budget, until it passes. No attempt starts past the
 * oldest dump's max age.
 */
@Component
public class DumpForwarder {

    /**
     * Added to the longest a forward may take to make the deadline no forward outlives.
     */
    private static final Duration DEADLINE_SLACK = Duration.ofSeconds(1);

    private final HttpClient collectorHttpClient;

    private final ForwarderProperties properties;

    private final Exchange exchange;

    private final TimingWheel timeouts;

    private final DumpTracing tracing;

    private final Duration attemptTimeout;

    private final MaxAge maxAge;

    private final ForwardResult heldTooLong;

    private final String maxAgeKey;

    private final ForwardResult pausedTooLong;

    private final CollectorPause pause;

    private final RetryPolicy retries;

    private final ConcurrencyLimit concurrency;

    private final CircuitBreaker circuitBreaker;

    private final CircuitBreakerOperator<Void> breaker;

    /**
     * With {@code forwarder.circuit-open: hold}, when a refused attempt may try again.
     */
    private final BreakerChanges breakerChanges;

    private final RateLimiter rateLimiter;

    private final Duration deadline;

    private final ForwardResult stalled;

    /** Ends every wait between attempts once the drain timeout has passed. */
    private final Sinks.One<Boolean> stopWaiting = Sinks.one();

    /** Cuts every attempt on the wire once the drain's last grace has passed too. */
    private final Sinks.One<Boolean> stopSending = Sinks.one();

    private volatile boolean stopping;

    DumpForwarder(HttpClient collectorHttpClient, ForwarderProperties properties, CircuitBreakerRegistry breakers,
            RateLimiter rateLimiter, CollectorPause pause, RetryPolicy retries, ConcurrencyLimit concurrency,
            DumpTracing tracing, TimingWheel timeouts) {
        this.collectorHttpClient = collectorHttpClient;
        this.properties = properties;
        this.exchange = new Exchange(collectorHttpClient, tracing, properties);
        this.timeouts = timeouts;
        this.tracing = tracing;
        this.attemptTimeout = properties.client().attemptTimeout();
        this.maxAge = new MaxAge(properties.maxAge());
        this.maxAgeKey = properties.maxAgeKey();
        this.heldTooLong = new ForwardResult(Outcome.EXPIRED,
                "held by the open circuit breaker past " + this.maxAgeKey);
        this.pausedTooLong = new ForwardResult(Outcome.EXPIRED,
                "paused at the collector's request past " + this.maxAgeKey);
        this.pause = pause;
        this.retries = retries;
        this.concurrency = concurrency;
        this.circuitBreaker = ResilienceConfiguration.lockFreeWindowsOfTwo(breakers.circuitBreaker(Dump.CARRIER));
        this.breaker = CircuitBreakerOperator.of(this.circuitBreaker);
        boolean hold = properties.circuitOpen() == ForwarderProperties.CircuitOpen.HOLD;
        this.breakerChanges = hold ? new BreakerChanges(this.circuitBreaker) : null;
        this.rateLimiter = rateLimiter;
        Duration permitWait = properties.rateLimiter().enabled() ? properties.rateLimiter().maxWait() : Duration.ZERO;
        // Every wait (pause, hold, backoff, permit of the adaptive limit) ends at the
        // oldest dump's max age; the last attempt may run its full course.
        this.deadline = properties.maxAge().plus(this.attemptTimeout).plus(permitWait).plus(DEADLINE_SLACK);
        this.stalled = new ForwardResult(Outcome.ERROR, "no outcome within " + this.deadline.toMillis() + " ms");
    }

    /**
     * Ends every wait between attempts (a pause, a hold, a backoff) with
     * {@code shutdown}, and starts no retry; an attempt on the wire goes on until its
     * answer, its timeout or {@link #stopSending()}.
     */
    public void stopWaiting() {
        this.stopping = true;
        this.stopWaiting.tryEmitValue(Boolean.TRUE);
    }

    /**
     * Cuts every attempt on the wire: one whose answer's status was read ends by it (a
     * 2xx is delivered), any other with {@code shutdown}.
     */
    public void stopSending() {
        stopWaiting();
        this.stopSending.tryEmitValue(Boolean.TRUE);
    }

    /**
     * Sends the dumps in one request (again after a failure that may pass, if so set).
     */
    public Mono<ForwardResult> forward(List<Dump> dumps) {
        // A guard, not a timeout: whatever an operator above does, no dump stays in
        // flight forever.
        return this.timeouts.timeout(attempt(dumps, 1), this.deadline, Mono.just(this.stalled))
            .onErrorResume(StoppedWaiting.class, (stopped) -> Mono.just(ForwardResult.SHUTDOWN));
    }

    /** The attempt of this number, once any pause the collector asked for is over. */
    private Mono<ForwardResult> attempt(List<Dump> dumps, int number) {
        if (!this.pause.isPaused()) {
            return attemptNow(dumps, number);
        }
        return until(this.pause.over(), dumps)
            .flatMap((over) -> over ? attemptNow(dumps, number) : Mono.just(this.pausedTooLong));
    }

    private Mono<ForwardResult> attemptNow(List<Dump> dumps, int number) {
        if (this.breakerChanges == null) {
            return send(dumps, number).flatMap((attempt) -> retryOrFinish(dumps, number, attempt));
        }
        return Mono.defer(() -> {
            // Taken before the attempt, so a change between the refusal and the wait is
            // not missed.
            Mono<Void> breakerMoved = this.breakerChanges.next();
            return send(dumps, number).flatMap((attempt) -> (attempt.result().outcome() != Outcome.CIRCUIT_OPEN)
                    ? retryOrFinish(dumps, number, attempt) : hold(dumps, number, breakerMoved));
        });
    }

    /**
     * An attempt the open breaker refused waits for it to move, then asks again; it is
     * not a retry.
     */
    private Mono<ForwardResult> hold(List<Dump> dumps, int number, Mono<Void> breakerMoved) {
        return until(breakerMoved, dumps)
            .flatMap((moved) -> moved ? attempt(dumps, number) : Mono.just(this.heldTooLong));
    }

    /** True when the wait completes before the oldest dump's max age, else false. */
    private Mono<Boolean> until(Mono<Void> wait, List<Dump> dumps) {
        long left = this.maxAge.leftNanos(dumps);
        if (left <= 0) {
            return Mono.just(Boolean.FALSE);
        }
        return wait.thenReturn(Boolean.TRUE)
            .timeout(Duration.ofNanos(left), Mono.just(Boolean.FALSE))
            .takeUntilOther(this.stopWaiting.asMono())
            .switchIfEmpty(Mono.error(StoppedWaiting::new));
    }

    /**
     * Counts a finished attempt, and returns its result or that of the next attempt: a
     * failure that may pass (a connection refused, a timeout before any answer, 429, 502,
     * 503, 504, 408, or a rejection of the forwarder such as 401) is tried again until
     * the oldest dump's max age, however many attempts that takes. It ends
     * {@code expired} only when the next try would come after the max age.
     */
    private Mono<ForwardResult> retryOrFinish(List<Dump> dumps, int number, AttemptResult attempt) {
        this.retries.attempted(number, attempt.result().outcome(), dumps.size());
        Duration backoff = attempt.retryable() ? this.retries.backoff(number, this.pause.remainingNanos()) : null;
        if (backoff == null || this.stopping) {
            return Mono.just(attempt.result().after(number));
        }
        if (System.nanoTime() + backoff.toNanos() - this.maxAge.expiresAt(dumps) > 0) {
            return Mono.just(expired(attempt.result(), number));
        }
        return waiting(backoff).then(paced(dumps, number + 1, attempt.result()));
    }

    /**
     * The attempt of this number once the retry budget has room for it: the retry waits
     * for room, never past the oldest dump's max age, so a failing collector gets no more
     * than the budget's share of retries and no dump ends before its max age.
     */
    private Mono<ForwardResult> paced(List<Dump> dumps, int number, ForwardResult last) {
        return Mono.defer(() -> {
            // While the breaker is open the attempt is held (or dropped) by it, taking
            // nothing from the budget.
            if (isBreakerOpen() || this.retries.tryRetry()) {
                return attempt(dumps, number);
            }
            long left = this.maxAge.leftNanos(dumps);
            if (left <= 0) {
                return Mono.just(expired(last, number - 1));
            }
            return waiting(Duration.ofNanos(Math.min(left, this.retries.roomWait().toNanos())))
                .then(paced(dumps, number, last));
        });
    }

    /** A wait between attempts, ended with {@link StoppedWaiting} at shutdown. */
    private Mono<Long> waiting(Duration wait) {
        return Mono.delay(wait)
            .takeUntilOther(this.stopWaiting.asMono())
            .switchIfEmpty(Mono.error(StoppedWaiting::new));
    }

    /** A dump not delivered within its max age, tried this many times, last with this. */
    private ForwardResult expired(ForwardResult last, int attempts) {
        return new ForwardResult(
                Outcome.EXPIRED, "not delivered within " + this.maxAgeKey + "; the last attempt: "
                        + last.outcome().tag() + ((last.detail() != null) ? " (" + last.detail() + ")" : ""),
                false, last.status(), attempts);
    }

    private boolean isBreakerOpen() {
        return BreakerStates.isOpen(this.circuitBreaker.getState());
    }

    /**
     * One attempt, never failing. Operators from the inside out: the exchange is bounded
     * by the attempt timeout; the breaker wraps the timed exchange, so it records
     * timeouts and non-2xx answers as failures and, while open, fails fast before any
     * connection is touched; the concurrency limit (adaptive mode) and then the rate
     * limiter are outside it, so the waits for their permits are never timed as slow
     * calls, and an attempt refused a permit never reaches the breaker.
     */
    private Mono<AttemptResult> send(List<Dump> dumps, int number) {
        return send(this.exchange, this.breaker, dumps, number);
    }

    private Mono<AttemptResult> send(Exchange exchange, CircuitBreakerOperator<Void> breaker, List<Dump> dumps,
            int number) {
        return Mono.defer(() -> {
            Span span = this.tracing.attempt(dumps, number);
            Answer answer = new Answer();
            Mono<Void> exchanged = exchange.send(dumps, span, (status) -> answer.status = status);
            Mono<AttemptResult> guarded = this.timeouts.timeout(exchanged, this.attemptTimeout, null)
                .doOnError(CollectorStatusException.class, this::pauseIfAsked)
                .transformDeferred(breaker)
                .thenReturn(AttemptResult.SUCCESS)
                .onErrorResume((error) -> Mono.just(FailureClassifier.classify(error, answer.status != 0)));
            long expiresAt = this.maxAge.expiresAt(dumps);
            Mono<AttemptResult> cut = this.stopSending.asMono().flatMap((stop) -> cutShort(answer.status));
            // The warm-up's attempts take no permits: they tell the adaptive limit
            // nothing and spend no tokens.
            Mono<AttemptResult> permitted = (exchange != this.exchange) ? guarded : this.rateLimiter
                .around(this.concurrency.around(guarded, expiresAt, AttemptResult::feedback), dumps.size(), expiresAt);
            return Mono.firstWithSignal(permitted, cut)
                .onErrorResume((refused) -> !(refused instanceof StoppedWaiting),
                        (refused) -> Mono.just(FailureClassifier.classify(refused, false)))
                .doOnNext((attempt) -> {
                    DumpTracing.attempted(span, answer.status, attempt.result().outcome());
                    answer.spanEnded = true;
                })
                .doOnCancel(() -> {
                    if (!answer.spanEnded) {
                        DumpTracing.attempted(span, answer.status, null);
                    }
                });
        });
    }

    /**
     * Runs an attempt's code (its exchange, timeouts and breaker operator) this many
     * times against a sink instead of the collector, before readiness, so that a fresh
     * start's first forward is not the first to run it (and to load its classes on an
     * event loop a caller waits on). Nothing of it is counted or retried, it takes no
     * permit, and the collector's breaker records none of it: the attempts go through a
     * breaker of their own.
     * @return how many attempts the sink took
     */
    Mono<Integer> warmUp(URI sink, List<Dump> dumps, int times) {
        Exchange exchange = new Exchange(this.collectorHttpClient, this.tracing, this.properties, sink);
        CircuitBreakerOperator<Void> breaker = CircuitBreakerOperator.of(CircuitBreaker.ofDefaults("warm-up"));
        return Flux.range(0, times)
            .concatMap((i) -> send(exchange, breaker, dumps, 1))
            .filter((attempt) -> attempt.result().outcome() == Outcome.SUCCESS)
            .count()
            .map(Math::toIntExact);
    }

    /**
     * An attempt cut at shutdown: by its answer if its status was read, else
     * {@code shutdown}.
     */
    private static Mono<AttemptResult> cutShort(int status) {
        if (status >= 200 && status < 300) {
            return Mono.just(AttemptResult.SUCCESS);
        }
        if (status > 0) {
            return Mono.just(FailureClassifier.classify(new CollectorStatusException(status, (String) null), true));
        }
        return Mono.error(new StoppedWaiting());
    }

    private void pauseIfAsked(CollectorStatusException answer) {
        if (answer.retryAfter() != null) {
            this.pause.pause(answer.retryAfter(), answer.status());
        }
    }

    /** What the collector answered one attempt, as far as it was read. */
    private static final class Answer {

        /** The status of the collector's answer; 0 until one is read. */
        volatile int status;

        /** Set once the attempt's span has ended with its outcome. */
        volatile boolean spanEnded;

    }

    /**
     * A wait between attempts ended by {@link #stopWaiting()}, or an attempt without an
     * answer cut by {@link #stopSending()}.
     */
    private static final class StoppedWaiting extends RuntimeException {

        StoppedWaiting() {
            super(null, null, false, false);
        }

    }

}
