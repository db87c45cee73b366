package io.dumpforwarder.breaker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Tells attempts held by an open breaker ({@code forwarder.circuit-open: hold}) when to
 * try again: at the breaker's next state change (Resilience4j moves from open to
 * half-open on its own timer once the open wait is over), or after that wait at the
 * latest, so an attempt that looked after the change it waited for does not wait for the
 * one after.
 */
public final class BreakerChanges {

    private final AtomicReference<Sinks.Empty<Void>> next = new AtomicReference<>(Sinks.empty());

    private final Duration openWait;

    public BreakerChanges(CircuitBreaker breaker) {
        this.openWait = Duration
            .ofMillis(breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
        // Woken off the thread that changed the state, which is inside the breaker's own
        // bookkeeping.
        breaker.getEventPublisher().onStateTransition((event) -> {
            Sinks.Empty<Void> changed = this.next.getAndSet(Sinks.empty());
            Schedulers.parallel().schedule(changed::tryEmitEmpty);
        });
    }

    /**
     * Completes at the first state change after this call; a holder also stops waiting
     * after {@link #openWait()}.
     */
    public Mono<Void> next() {
        return this.next.get().asMono();
    }

    /**
     * The breaker's wait in the open state: the longest a hold lasts before it asks
     * again.
     */
    public Duration openWait() {
        return this.openWait;
    }

}
