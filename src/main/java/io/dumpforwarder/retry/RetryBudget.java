package io.dumpforwarder.retry;

/**
 * Retries allowed as a fraction of first attempts over a sliding window, plus one a
 * second of the window (so a quiet service still retries a few failures at once), so that
 * an outage, when every request fails, cannot multiply the load on the collector. The
 * window is ten slots wide; the critical sections are a few additions, never a wait on
 * I/O.
 */
final class RetryBudget {

    private static final int SLOTS = 10;

    private final double ratio;

    private final long slotNanos;

    /** Retries the window allows without first attempts: one a second of it. */
    private final long floor;

    private final long[] epochs = new long[SLOTS];

    private final long[] firsts = new long[SLOTS];

    private final long[] retries = new long[SLOTS];

    RetryBudget(double ratio, long windowNanos) {
        this.ratio = ratio;
        this.slotNanos = Math.max(1, windowNanos / SLOTS);
        this.floor = Math.max(1, windowNanos / 1_000_000_000L);
    }

    synchronized void firstAttempt(long now) {
        this.firsts[slot(now)]++;
    }

    /** Takes one retry from the budget if the window allows it. */
    synchronized boolean tryRetry(long now) {
        slot(now);
        long epoch = now / this.slotNanos;
        long firstAttempts = 0;
        long retried = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (epoch - this.epochs[i] < SLOTS) {
                firstAttempts += this.firsts[i];
                retried += this.retries[i];
            }
        }
        if (retried + 1 > this.ratio * firstAttempts + this.floor) {
            return false;
        }
        this.retries[slot(now)]++;
        return true;
    }

    /** The slot of this instant, emptied first if it last held an older epoch. */
    private int slot(long now) {
        long epoch = now / this.slotNanos;
        int slot = (int) Math.floorMod(epoch, (long) SLOTS);
        if (this.epochs[slot] != epoch) {
            this.epochs[slot] = epoch;
            this.firsts[slot] = 0;
            this.retries[slot] = 0;
        }
        return slot;
    }

}
