package io.dumpforwarder.dump;

import java.time.Duration;
import java.util.List;

/**
 * How long an accepted dump may wait for delivery ({@code forwarder.max-age}, or the
 * Kafka buffer's own), measured from its acceptance; a request of many dumps lives as
 * long as its oldest dump. Instants are {@link System#nanoTime()} values.
 */
public final class MaxAge {

    private final long nanos;

    private final String key;

    /**
     * A max age read from settings.
     * @param maxAge the max age
     * @param key the setting it comes from, for what a log line says
     */
    public MaxAge(Duration maxAge, String key) {
        this.nanos = maxAge.toNanos();
        this.key = key;
    }

    /** The setting the max age comes from. */
    public String key() {
        return this.key;
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
