package io.dumpforwarder.forward;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * Counts every attempt and decides whether a failed one is tried again (on unless
 * {@code forwarder.retry.enabled} is false): only failures a later attempt may cure,
 * never past the oldest dump's max age, never while the breaker is open, and within the
 * retry budget.
 */
@Component
class RetryPolicy {

    private final ForwarderProperties.Retry settings;

    private final RetryBudget budget;

    private final Map<Outcome, Counter> attempts = new EnumMap<>(Outcome.class);

    private final Counter exhausted;

    RetryPolicy(ForwarderProperties properties, MeterRegistry registry) {
        this.settings = properties.retry();
        this.budget = new RetryBudget(this.settings.budgetRatio(), this.settings.budgetWindow().toNanos());
        for (Outcome outcome : Outcome.values()) {
            this.attempts.put(outcome,
                    Counter.builder("dumps.forward.attempts")
                        .description("Dumps per attempt to send them, by the attempt's outcome; retries included")
                        .tag("outcome", outcome.tag())
                        .register(registry));
        }
        this.exhausted = Counter.builder("dumps.retries.budget.exhausted")
            .description("Retries not made because the retry budget was spent")
            .register(registry);
    }

    /**
     * Counts one attempt that carried these dumps; a first attempt also earns the budget
     * its share.
     */
    void attempted(int attempt, Outcome outcome, int dumps) {
        this.attempts.get(outcome).increment(dumps);
        if (attempt == 1) {
            this.budget.firstAttempt(System.nanoTime());
        }
    }

    /**
     * The wait before the next attempt, or {@code null} if there is none.
     * @param attempt the number of the attempt that just failed, from 1
     * @param retryable whether its failure may be cured by trying again
     * @param breakerOpen whether the breaker is open now
     * @param pausedNanos how long sending is still paused at the collector's request
     * @param expiresAt {@link System#nanoTime()} when the oldest dump of the attempt
     * passes max age
     */
    Duration backoff(int attempt, boolean retryable, boolean breakerOpen, long pausedNanos, long expiresAt) {
        if (!this.settings.enabled() || !retryable || breakerOpen || attempt >= this.settings.maxAttempts()) {
            return null;
        }
        long wait = jitter(attempt, pausedNanos);
        long now = System.nanoTime();
        if (now + wait - expiresAt > 0) {
            return null;
        }
        if (!this.budget.tryRetry(now)) {
            this.exhausted.increment();
            return null;
        }
        return Duration.ofNanos(wait);
    }

    /**
     * The wait after a rejection of the forwarder (401, 403...), which every dump would
     * get until it is fixed: tried again until the dump's max age, however many attempts
     * that takes ({@code null} with retries off); the caller paces it with
     * {@link #tryRetry()} and stops it at the max age.
     */
    Duration backoffUntilMaxAge(int attempt, long pausedNanos) {
        return this.settings.enabled() ? Duration.ofNanos(jitter(attempt, pausedNanos)) : null;
    }

    /**
     * Takes a retry from the budget; when it is spent (counted), the retry waits
     * {@link #roomWait()} and asks again: for a rejection the budget paces retries, it
     * does not end them.
     */
    boolean tryRetry() {
        if (this.budget.tryRetry(System.nanoTime())) {
            return true;
        }
        this.exhausted.increment();
        return false;
    }

    /** How long a retry the budget has no room for waits before it asks again. */
    Duration roomWait() {
        return this.settings.maxBackoff();
    }

    /**
     * Full jitter below a ceiling that doubles from the initial backoff up to the
     * maximum, and at least the rest of a pause the collector asked for.
     */
    private long jitter(int attempt, long pausedNanos) {
        long ceiling = Math.min(this.settings.maxBackoff().toNanos(),
                this.settings.initialBackoff().toNanos() << Math.min(attempt - 1, 30));
        return Math.max(ThreadLocalRandom.current().nextLong(ceiling + 1), pausedNanos);
    }

}
