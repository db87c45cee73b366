package io.dumpforwarder.retry;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.dumpforwarder.dump.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * Counts every attempt, and times and paces the retries of failures a later attempt may
 * cure (on unless {@code forwarder.retry.enabled} is false): a jittered backoff, then a
 * retry the budget has room for; one it has none for waits, so an outage cannot multiply
 * the load on the collector and no dump ends before its max age.
 */
@Component
public class RetryPolicy {

    private final RetryProperties settings;

    private final RetryBudget budget;

    private final Map<Outcome, Counter> attempts = new EnumMap<>(Outcome.class);

    private final Counter exhausted;

    RetryPolicy(RetryProperties settings, MeterRegistry registry) {
        this.settings = settings;
        this.budget = new RetryBudget(this.settings.budgetRatio(), this.settings.budgetWindow().toNanos());
        for (Outcome outcome : Outcome.values()) {
            this.attempts.put(outcome,
                    Counter.builder("dumps.forward.attempts")
                        .description("Dumps per attempt to send them, by the attempt's outcome; retries included")
                        .tag("outcome", outcome.tag())
                        .register(registry));
        }
        this.exhausted = Counter.builder("dumps.retries.budget.exhausted")
            .description("Waits of a retry for the retry budget's room (the retry is delayed, not dropped)")
            .register(registry);
    }

    /**
     * Counts one attempt that carried these dumps; a first attempt also earns the budget
     * its share.
     */
    public void attempted(int attempt, Outcome outcome, int dumps) {
        this.attempts.get(outcome).increment(dumps);
        if (attempt == 1) {
            this.budget.firstAttempt(System.nanoTime());
        }
    }

    /**
     * The wait before the next attempt after a failure that may pass, {@code null} with
     * retries off. There is no count of attempts: the caller tries again until the oldest
     * dump's max age, and paces each retry with {@link #tryRetry()}.
     * @param attempt the number of the attempt that just failed, from 1
     * @param pausedNanos how long sending is still paused at the collector's request
     */
    public Duration backoff(int attempt, long pausedNanos) {
        return this.settings.enabled() ? Duration.ofNanos(jitter(attempt, pausedNanos)) : null;
    }

    /**
     * Takes a retry from the budget; when it is spent (counted), the retry waits
     * {@link #roomWait()} and asks again: the budget paces retries, it does not end them.
     */
    public boolean tryRetry() {
        if (this.budget.tryRetry(System.nanoTime())) {
            return true;
        }
        this.exhausted.increment();
        return false;
    }

    /** How long a retry the budget has no room for waits before it asks again. */
    public Duration roomWait() {
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
