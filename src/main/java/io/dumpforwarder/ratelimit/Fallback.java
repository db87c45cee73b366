package io.dumpforwarder.ratelimit;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When to use the shared bucket and when this pod's own: the shared one while Redis
 * answers; after a failure, this pod's, with one call a second claimed to try Redis
 * again; back to the shared one when a call made since the last claim is answered (one in
 * flight when Redis went away may still answer, and proves nothing). Lock-free; times are
 * {@link System#nanoTime()} values, given by the caller.
 */
final class Fallback {

    static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** From when the shared bucket is tried again; 0 while it is in use. */
    private final AtomicLong retryAt = new AtomicLong();

    boolean isFallingBack() {
        return this.retryAt.get() != 0;
    }

    /**
     * Whether a call made now goes to the shared bucket: always while it works, and the
     * one call that claims the retry once a second while it does not.
     */
    boolean useShared(long now) {
        long retry = this.retryAt.get();
        if (retry == 0) {
            return true;
        }
        return now - retry >= 0 && this.retryAt.compareAndSet(retry, now + RETRY_NANOS);
    }

    /**
     * A call to the shared bucket failed.
     * @return true when this failure is the one that started the fallback
     */
    boolean failed(long now) {
        long retry = now + RETRY_NANOS;
        return this.retryAt.getAndUpdate((current) -> (current == 0) ? retry : current) == 0;
    }

    /**
     * The shared bucket answered a call made at {@code start}.
     * @return true when this answer ended the fallback
     */
    boolean answered(long start) {
        long retry = this.retryAt.get();
        return retry != 0 && start - (retry - RETRY_NANOS) >= 0 && this.retryAt.compareAndSet(retry, 0);
    }

}
