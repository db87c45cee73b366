package io.dumpforwarder.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import io.github.bucket4j.SchedulingBucket;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Tokens taken from a bucket as {@code golang.org/x/time/rate}'s {@code WaitN} takes
 * them: reserved in one step if they will be there within the longest wait, refused at
 * once (without waiting) if not, and given back if the wait is cancelled. Bucket4j
 * reserves and then tells the wait by scheduling its own completion on the executor it is
 * given; this executor takes that call as the reservation, runs the completion at once,
 * and leaves the wait to a Reactor timer that a cancellation can stop.
 */
final class Reservation extends AbstractExecutorService implements ScheduledExecutorService {

    private final MonoSink<Long> sink;

    private final long tokens;

    private final LongConsumer giveBack;

    private final Runnable answered;

    /** Guarded by {@code this}. */
    private boolean told;

    /** Guarded by {@code this}. */
    private boolean reserved;

    /** Guarded by {@code this}. */
    private boolean cancelled;

    private Reservation(MonoSink<Long> sink, long tokens, LongConsumer giveBack, Runnable answered) {
        this.sink = sink;
        this.tokens = tokens;
        this.giveBack = giveBack;
        this.answered = answered;
    }

    private void answered() {
        synchronized (this) {
            if (this.told) {
                return;
            }
            this.told = true;
        }
        this.answered.run();
    }

    /**
     * Completes when the tokens are the caller's: at once when the bucket holds them,
     * after the wait for them otherwise; fails with {@link RateLimitedException} when
     * they would only come after the longest wait, and with the bucket's own error when
     * it cannot be reached.
     * @param bucket the bucket
     * @param tokens how many tokens
     * @param maxWaitNanos the longest wait
     * @param giveBack puts tokens back in the bucket
     * @param answered told when the bucket has answered (not failed), before any wait
     */
    static Mono<Void> take(SchedulingBucket bucket, long tokens, long maxWaitNanos, LongConsumer giveBack,
            Runnable answered) {
        return Mono.<Long>create((sink) -> {
            Reservation reservation = new Reservation(sink, tokens, giveBack, answered);
            sink.onCancel(reservation::cancel);
            // Bucket4j takes no zero wait: a nanosecond is none in effect.
            CompletableFuture<Boolean> taken = bucket.tryConsume(tokens, Math.max(1, maxWaitNanos), reservation);
            taken.whenComplete((consumed, error) -> {
                if (error != null) {
                    sink.error(error);
                }
                else if (!consumed) {
                    reservation.answered();
                    sink.error(new RateLimitedException(tokens, maxWaitNanos));
                }
                else {
                    reservation.answered();
                    reservation.reserved(0);
                }
            });
        })
            .flatMap((waitNanos) -> (waitNanos == 0) ? Mono.empty()
                    : Mono.delay(Duration.ofNanos(waitNanos)).doOnCancel(() -> giveBack.accept(tokens)).then());
    }

    /** The tokens are reserved; they are the caller's after this wait. */
    private void reserved(long waitNanos) {
        boolean giveBack;
        synchronized (this) {
            if (this.reserved) {
                return;
            }
            this.reserved = true;
            giveBack = this.cancelled;
        }
        if (giveBack) {
            this.giveBack.accept(this.tokens);
        }
        else {
            this.sink.success(waitNanos);
        }
    }

    private void cancel() {
        boolean giveBack;
        synchronized (this) {
            this.cancelled = true;
            giveBack = this.reserved;
        }
        if (giveBack) {
            // Reserved, and the wait (if any) not yet begun: the flatMap's timer never
            // started.
            this.giveBack.accept(this.tokens);
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable completion, long delay, TimeUnit unit) {
        answered();
        reserved(unit.toNanos(delay));
        completion.run();
        return null;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
        command.run();
    }

    @Override
    public void shutdown() {
    }

    @Override
    public List<Runnable> shutdownNow() {
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

}
