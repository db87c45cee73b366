package io.dumpforwarder.breaker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.dumpforwarder.collector.FailureClassifier;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.ForwardResult;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * Says in the log what the breaker around the collector does, two lines an outage: a WARN
 * when it opens from closed (the window's failure rate and the last failure it counted),
 * an INFO when it closes again (how long it was not closed, and how many times it refused
 * a forward meanwhile: a held forward asks again at every change). The turns between open
 * and half-open in between (a probe after every wait) are not logged, so a long outage
 * writes no more than a short one.
 */
@Component
class BreakerLog {

    private static final Logger logger = LoggerFactory.getLogger(BreakerLog.class);

    private final AtomicReference<ForwardResult> lastFailure = new AtomicReference<>();

    private final AtomicLong refused = new AtomicLong();

    private volatile long openedAt;

    BreakerLog(CircuitBreakerRegistry breakers) {
        CircuitBreaker breaker = breakers.circuitBreaker(Dump.CARRIER);
        breaker.getEventPublisher()
            .onError((event) -> this.lastFailure.set(FailureClassifier.classify(event.getThrowable(), false).result()))
            .onCallNotPermitted((event) -> this.refused.incrementAndGet())
            .onStateTransition((event) -> changed(breaker, event.getStateTransition()));
    }

    private void changed(CircuitBreaker breaker, CircuitBreaker.StateTransition transition) {
        if (transition.getFromState() == CircuitBreaker.State.CLOSED && BreakerStates.isOpen(transition.getToState())) {
            this.openedAt = System.nanoTime();
            this.refused.set(0);
            CircuitBreaker.Metrics window = breaker.getMetrics();
            ForwardResult last = this.lastFailure.get();
            logger.atWarn()
                .addKeyValue("failureRate", window.getFailureRate())
                .addKeyValue("failedCalls", window.getNumberOfFailedCalls())
                .addKeyValue("outcome", (last != null) ? last.outcome().tag() : null)
                .log("The collector's breaker opened: {}% of the last {} forwards failed, the last one {} ({}); "
                        + "forwards are held or dropped until probes succeed", window.getFailureRate(),
                        window.getNumberOfBufferedCalls(), (last != null) ? last.outcome().tag() : "unknown",
                        (last != null) ? last.detail() : "");
        }
        else if (transition.getToState() == CircuitBreaker.State.CLOSED && this.openedAt != 0) {
            Duration open = Duration.ofNanos(System.nanoTime() - this.openedAt);
            this.openedAt = 0;
            logger.atInfo()
                .addKeyValue("openMillis", open.toMillis())
                .addKeyValue("refused", this.refused.get())
                .log("The collector's breaker closed after {} ms: it refused forwards {} times meanwhile (held or "
                        + "dropped)", open.toMillis(), this.refused.get());
        }
    }

}
