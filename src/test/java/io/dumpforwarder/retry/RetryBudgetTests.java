package io.dumpforwarder.retry;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryBudgetTests {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final RetryBudget budget = new RetryBudget(0.1, 10 * SECOND);

    @Test
    void allowsAFractionOfFirstAttemptsPlusOneASecondOfTheWindow() {
        long now = 1_000 * SECOND;
        for (int i = 0; i < 50; i++) {
            this.budget.firstAttempt(now);
        }

        int allowed = 0;
        while (this.budget.tryRetry(now)) {
            allowed++;
        }

        assertThat(allowed).isEqualTo(15);
    }

    @Test
    void forgetsWhatLeftTheWindow() {
        long now = 1_000 * SECOND;
        for (int i = 0; i < 50; i++) {
            this.budget.firstAttempt(now);
        }
        while (this.budget.tryRetry(now)) {
            // spend it all
        }

        // Eleven seconds later the old first attempts and retries are out of the window:
        // ten retries, as with no traffic.
        int allowed = 0;
        while (this.budget.tryRetry(now + 11 * SECOND)) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(10);
    }

}
