package io.dumpforwarder.buffer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * While the buffer breaker is not closed, finds out in the background whether Kafka is
 * back, so that no caller's send is ever the probe (a caller would wait the whole send
 * timeout for it): callers are answered {@code NOT_BUFFERED} at once whenever the breaker
 * is not closed, and each wait in the open state ends with one {@link TopicCheck#probe},
 * whose outcome the breaker records as its half-open call.
 */
final class BreakerProbe {

    private static final Logger logger = LoggerFactory.getLogger(BreakerProbe.class);

    private final CircuitBreaker breaker;

    private final TopicCheck topics;

    private final Duration timeout;

    /** Whether a probe is due or running: one at a time. */
    private final AtomicBoolean due = new AtomicBoolean();

    BreakerProbe(CircuitBreaker breaker, TopicCheck topics, Duration timeout) {
        this.breaker = breaker;
        this.topics = topics;
        this.timeout = timeout;
        breaker.getEventPublisher().onStateTransition((event) -> {
            if (event.getStateTransition().getToState() == State.OPEN) {
                later();
            }
        });
    }

    private void later() {
        if (this.due.compareAndSet(false, true)) {
            long wait = this.breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
            Mono.delay(Duration.ofMillis(wait)).subscribe((tick) -> probe());
        }
    }

    private void probe() {
        State state = this.breaker.getState();
        if (state != State.OPEN && state != State.HALF_OPEN) {
            this.due.set(false);
            return;
        }
        if (!this.breaker.tryAcquirePermission()) {
            this.due.set(false);
            later();
            return;
        }
        long start = this.breaker.getCurrentTimestamp();
        this.topics.probe(this.timeout).doFinally((signal) -> this.due.set(false)).subscribe(null, (error) -> {
            logger.debug("Kafka not back yet", error);
            this.breaker.onError(this.breaker.getCurrentTimestamp() - start, this.breaker.getTimestampUnit(), error);
        }, () -> this.breaker.onSuccess(this.breaker.getCurrentTimestamp() - start, this.breaker.getTimestampUnit()));
    }

}
