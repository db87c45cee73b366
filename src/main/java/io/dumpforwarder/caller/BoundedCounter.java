package io.dumpforwarder.caller;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A count that never passes its capacity: an amount is reserved whole, by
 * compare-and-set, or not at all; any thread may reserve and release.
 */
public final class BoundedCounter {

    private final long capacity;

    private final AtomicLong used = new AtomicLong();

    public BoundedCounter(long capacity) {
        this.capacity = capacity;
    }

    /** Takes {@code amount} more, or nothing if that would pass the capacity. */
    public boolean tryReserve(long amount) {
        long current;
        do {
            current = this.used.get();
            if (current + amount > this.capacity) {
                return false;
            }
        }
        while (!this.used.compareAndSet(current, current + amount));
        return true;
    }

    public void release(long amount) {
        this.used.addAndGet(-amount);
    }

    public long used() {
        return this.used.get();
    }

    public long capacity() {
        return this.capacity;
    }

    public long available() {
        return this.capacity - this.used.get();
    }

    public boolean isFull() {
        return this.used.get() >= this.capacity;
    }

}
