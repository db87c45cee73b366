package io.dumpforwarder.util;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-second window of log permits for one kind of line, so that a flood of the same
 * failure writes at most a few lines a second
 * ({@code forwarder.log.failures-per-second}), each telling how many were suppressed
 * since the one before.
 */
public final class LogWindow {

    private final int perSecond;

    private final AtomicLong second = new AtomicLong(-1);

    private final AtomicLong used = new AtomicLong();

    private final AtomicLong suppressed = new AtomicLong();

    public LogWindow(int perSecond) {
        this.perSecond = perSecond;
    }

    /**
     * The number of lines suppressed before this one if it may be logged, or -1 if it is
     * suppressed.
     */
    public long tryAcquire() {
        long now = System.nanoTime() / 1_000_000_000L;
        long current = this.second.get();
        if (now != current && this.second.compareAndSet(current, now)) {
            this.used.set(0);
        }
        if (this.used.incrementAndGet() <= this.perSecond) {
            return this.suppressed.getAndSet(0);
        }
        this.suppressed.incrementAndGet();
        return -1;
    }

}
