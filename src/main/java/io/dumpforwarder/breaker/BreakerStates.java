package io.dumpforwarder.breaker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/** What a breaker's state means for the calls it guards. */
public final class BreakerStates {

    private BreakerStates() {
    }

    /** Whether a breaker in this state refuses every attempt: open or forced open. */
    public static boolean isOpen(CircuitBreaker.State state) {
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

}
