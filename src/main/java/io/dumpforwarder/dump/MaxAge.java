package io.dumpforwarder.dump;

import java.time.Duration;
import java.util.List;

/**
 * How long an accepted dump may wait for delivery ({@code forwarder.max-age}), measured
 * from its acceptance; a request of many dumps lives as long as its oldest dump. Instants
 * are {@link System#nanoTime()} values.
 */
public final class MaxAge {

    private final long nanos;

    public MaxAge(Duration maxAge) {
        this.nanos = maxAge.toNanos();
    }

    /** Whether the dump is older than its max age at {@code now}. */
    public boolean isPassed(Dump dump, long now) {
        return now - dump.receivedNanos() > this.nanos;
    }

    /** When the oldest of the dumps passes its max age. */
    public long expiresAt(List<Dump> dumps) {
        long oldest = dumps.get(0).receivedNanos();
        for (Dump dump : dumps) {
            oldest = (dump.receivedNanos() - oldest < 0) ? dump.receivedNanos() : oldest;
        }
        return oldest + this.nanos;
    }

    /**
     * How long until the oldest of the dumps passes its max age; zero or less once it
     * has.
     */
    public long leftNanos(List<Dump> dumps) {
        return expiresAt(dumps) - System.nanoTime();
    }

}
