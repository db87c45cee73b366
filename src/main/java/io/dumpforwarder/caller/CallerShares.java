package io.dumpforwarder.caller;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each caller holds of a bounded resource, and whether one more request of a caller
 * stays within its fair share: once the resource is {@code from} full, a caller may hold
 * no more than the capacity divided among the active callers (this one included),
 * weighted. A caller is active while it holds some of the resource or has asked for some
 * within the last second, so that a steady caller whose dumps leave as fast as they come
 * still counts. A caller alone still has all of it; a caller under its share is admitted
 * until the resource is truly full.
 */
public final class CallerShares {

    private final double from;

    private final Map<String, Integer> weights;

    private static final long ACTIVE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Map<String, AtomicLong> held = new ConcurrentHashMap<>();

    /** When each caller last asked, {@link System#nanoTime()}. */
    private final Map<String, AtomicLong> asked = new ConcurrentHashMap<>();

    /**
     * Shares of one resource as the settings give them:
     * {@code forwarder.ingest.callers.fair-share-from} and {@code .weights}.
     */
    public CallerShares(CallersProperties callers) {
        this(callers.fairShareFrom(), callers.weights());
    }

    /**
     * Shares of one resource.
     * @param from the fullness (0 to 1) from which shares apply
     * @param weights each caller's weight; 1 for a caller not named
     */
    CallerShares(double from, Map<String, Integer> weights) {
        this.from = from;
        this.weights = weights;
    }

    /**
     * Whether {@code amount} more for this caller passes its share of {@code counter}
     * (which it does not change).
     */
    public boolean isOverShare(String caller, long amount, BoundedCounter counter) {
        return amount > room(caller, counter);
    }

    /**
     * How much more this caller may take of {@code counter} within its share (which it
     * does not change); {@link Long#MAX_VALUE} while shares do not apply.
     */
    public long room(String caller, BoundedCounter counter) {
        long now = System.nanoTime();
        this.asked.computeIfAbsent(caller, (name) -> new AtomicLong()).set(now);
        if (counter.used() < this.from * counter.capacity()) {
            return Long.MAX_VALUE;
        }
        double weights = 0;
        for (Map.Entry<String, AtomicLong> holding : this.held.entrySet()) {
            String other = holding.getKey();
            if (!other.equals(caller) && holding.getValue().get() > 0) {
                weights += weight(other);
            }
        }
        for (Map.Entry<String, AtomicLong> asking : this.asked.entrySet()) {
            String other = asking.getKey();
            if (!other.equals(caller) && held(other) <= 0 && now - asking.getValue().get() < ACTIVE_NANOS) {
                weights += weight(other);
            }
        }
        if (weights == 0) {
            // Alone, the caller has all of it: the bound itself decides (queue_full).
            return Long.MAX_VALUE;
        }
        double mine = weight(caller);
        double share = counter.capacity() * mine / (weights + mine);
        return (long) Math.floor(share) - held(caller);
    }

    public void add(String caller, long amount) {
        this.held.computeIfAbsent(caller, (name) -> new AtomicLong()).addAndGet(amount);
    }

    public void remove(String caller, long amount) {
        this.held.computeIfAbsent(caller, (name) -> new AtomicLong()).addAndGet(-amount);
    }

    long held(String caller) {
        AtomicLong held = this.held.get(caller);
        return (held != null) ? held.get() : 0;
    }

    /** The caller's weight: as the settings give it, 1 for a caller they do not name. */
    public int weight(String caller) {
        return this.weights.getOrDefault(caller, 1);
    }

}
