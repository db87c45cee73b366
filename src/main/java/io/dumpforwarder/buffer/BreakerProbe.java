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
final class BreakerProbe implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(BreakerProbe.class);

    private final CircuitBreaker breaker;

    private final TopicCheck topics;

    private final Duration timeout;

    /** Whether a probe is scheduled. */
    private final AtomicBoolean due = new AtomicBoolean();

    /** Whether a probe is running: one at a time. */
    private final AtomicBoolean probing = new AtomicBoolean();

    /** Set at shutdown: no probe is scheduled or started after it. */
    private volatile boolean closed;

    BreakerProbe(CircuitBreaker breaker, TopicCheck topics, Duration timeout) {
        this.breaker = breaker;
        this.topics = topics;
        this.timeout = timeout;
        breaker.getEventPublisher().onStateTransition((event) -> {
            State to = event.getStateTransition().getToState();
            if (to == State.OPEN) {
                later();
            }
            else if (to == State.HALF_OPEN) {
                probe();
            }
        });
    }

    /** Probes once the breaker's wait in the open state is over. */
    private void later() {
        if (!this.closed && this.due.compareAndSet(false, true)) {
            long wait = this.breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1);
            Mono.delay(Duration.ofMillis(wait)).subscribe((tick) -> {
                this.due.set(false);
                probe();
            });
        }
    }

    private void probe() {
        State state = this.breaker.getState();
        if (this.closed || (state != State.OPEN && state != State.HALF_OPEN)
                || !this.probing.compareAndSet(false, true)) {
            return;
        }
        if (!this.breaker.tryAcquirePermission()) {
            // The wait is not over yet, or another call holds the half-open permit.
            this.probing.set(false);
            later();
            return;
        }
        long start = this.breaker.getCurrentTimestamp();
        // Marked done before the breaker records: recording an error opens it again,
        // which schedules the next probe at once.
        this.topics.probe(this.timeout).subscribe(null, (error) -> {
            logger.debug("Kafka not back yet", error);
            this.probing.set(false);
            this.breaker.onError(this.breaker.getCurrentTimestamp() - start, this.breaker.getTimestampUnit(), error);
        }, () -> {
            this.probing.set(false);
            this.breaker.onSuccess(this.breaker.getCurrentTimestamp() - start, this.breaker.getTimestampUnit());
        });
    }

    /** Stops probing: the broker's client closes with the application. */
    @Override
    public void close() {
        this.closed = true;
    }

}
