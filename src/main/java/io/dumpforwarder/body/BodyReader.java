package io.dumpforwarder.body;

import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a request body into one array, never holding more than the limit nor more than
 * the request's lease on the body budget grants, reserved as the bytes arrive, and never
 * slower than the minimum rate. Past either it keeps reading and drops what it reads, up
 * to the discard limit, so the caller is still listening when the answer goes out (a
 * server that closes with unread input resets the connection and the caller never sees
 * its answer). The first bound crossed decides the answer, even if the body then stalls
 * or is cut off. The buffers are Reactor Netty's: it releases each one once it has been
 * read.
 */
public final class BodyReader {

    private BodyReader() {
    }

    /**
     * The body's bytes; or a {@link TooLargeException} once it is known to be over the
     * limit, or a {@link NoBudgetException} once buffering it would pass the body budget.
     * @param body the request body
     * @param declared the Content-Length, or -1 if unknown
     * @param limit the most bytes kept
     * @param discardLimit the most bytes read in all before giving up on the connection
     * @param lease the request's share of the body budget, from which every byte buffered
     * is reserved first, as it arrives (never the declared length up front)
     * @param minRate the slowest the body may arrive
     */
    public static Mono<byte[]> read(Flux<ByteBuf> body, long declared, int limit, long discardLimit,
            BodyBudget.Lease lease, MinRate minRate) {
        return Mono.defer(() -> {
            Body received = new Body(declared, limit, discardLimit, lease, minRate);
            return body.doOnNext(received::append)
                .then(Mono.defer(received::bytes))
                .onErrorMap((error) -> !(error instanceof RefusedException), received::refusalOr);
        });
    }

    /**
     * Reads the body and drops it, up to the discard limit, keeping nothing; tells
     * whether all of it was read, so the connection is reusable.
     */
    public static Mono<Boolean> discard(Flux<ByteBuf> body, long discardLimit) {
        long[] size = { 0 };
        return body.doOnNext((buffer) -> size[0] += buffer.readableBytes())
            .takeUntil((buffer) -> size[0] > discardLimit)
            .then(Mono.fromSupplier(() -> size[0] <= discardLimit));
    }

    /**
     * The body was refused; {@code drained} tells whether all of it was read, so the
     * connection is reusable.
     */
    public abstract static sealed class RefusedException extends RuntimeException
            permits TooLargeException, NoBudgetException, TooSlowException {

        private final boolean drained;

        RefusedException(boolean drained) {
            super(null, null, false, false);
            this.drained = drained;
        }

        public boolean drained() {
            return this.drained;
        }

    }

    /** The body is over the limit. */
    public static final class TooLargeException extends RefusedException {

        TooLargeException(boolean drained) {
            super(drained);
        }

    }

    /** Buffering the body would pass the budget of bytes being received. */
    public static final class NoBudgetException extends RefusedException {

        NoBudgetException(boolean drained) {
            super(drained);
        }

    }

    /** The body arrives slower than the minimum rate. */
    public static final class TooSlowException extends RefusedException {

        TooSlowException() {
            super(false);
        }

    }

    /**
     * The slowest a body may arrive: after {@code grace}, {@code bytesPerSecond} on
     * average (as Apache's mod_reqtimeout's MinRate); 0 bytes a second for no minimum.
     */
    public record MinRate(long graceNanos, long bytesPerSecond) {

        boolean isPassed(long elapsedNanos, long received) {
            if (this.bytesPerSecond <= 0 || elapsedNanos <= this.graceNanos) {
                return false;
            }
            return received < (double) (elapsedNanos - this.graceNanos) / 1e9 * this.bytesPerSecond;
        }

    }

    private static final class Body {

        private static final byte[] EMPTY = new byte[0];

        /** Reserved first, for a body whose length is declared: at most this much. */
        private static final int FIRST_RESERVATION = 16 * 1024;

        private final long declared;

        private final MinRate minRate;

        private final long startNanos = System.nanoTime();

        private final int limit;

        private final long discardLimit;

        private final BodyBudget.Lease lease;

        private byte[] bytes = EMPTY;

        private long size;

        /**
         * Why the body is refused, decided by the first bound it crossed; {@code null}
         * while it is kept.
         */
        private Refusal refusal;

        Body(long declared, int limit, long discardLimit, BodyBudget.Lease lease, MinRate minRate) {
            this.limit = limit;
            this.discardLimit = discardLimit;
            this.lease = lease;
            this.declared = declared;
            this.minRate = minRate;
            if (declared > limit) {
                this.refusal = Refusal.TOO_LARGE;
            }
            else if (declared > 0) {
                grow((int) Math.min(declared, FIRST_RESERVATION));
            }
        }

        void append(ByteBuf buffer) {
            int length = buffer.readableBytes();
            this.size += length;
            if (this.size > this.discardLimit) {
                throw refusalOr(null);
            }
            if (this.refusal == null && this.size > this.limit) {
                this.refusal = Refusal.TOO_LARGE;
            }
            if (this.refusal == null && this.minRate.isPassed(System.nanoTime() - this.startNanos, this.size)) {
                throw new TooSlowException();
            }
            if (this.refusal == null && this.size > this.bytes.length) {
                // Doubling, never past the declared length: the budget held stays within
                // twice what arrived.
                long most = (this.declared > 0) ? Math.min(this.limit, Math.max(this.declared, this.size)) : this.limit;
                grow((int) Math.min(most, Math.max(this.size, 2L * this.bytes.length)));
            }
            if (this.refusal != null) {
                this.bytes = EMPTY;
                return;
            }
            buffer.readBytes(this.bytes, (int) this.size - length, length);
        }

        /**
         * Grows the array to {@code capacity}, if the lease grants the bytes; else the
         * body is refused.
         */
        private void grow(int capacity) {
            if (this.lease.reserve(capacity - this.bytes.length)) {
                this.bytes = Arrays.copyOf(this.bytes, capacity);
            }
            else {
                this.refusal = Refusal.NO_BUDGET;
            }
        }

        Mono<byte[]> bytes() {
            if (this.refusal != null) {
                return Mono.error(this.refusal.exception(true));
            }
            return Mono
                .just((this.size == this.bytes.length) ? this.bytes : Arrays.copyOf(this.bytes, (int) this.size));
        }

        /**
         * The refusal already decided, for a body that then failed to arrive whole (or
         * passed the discard limit); else the failure itself.
         */
        RuntimeException refusalOr(Throwable failure) {
            if (this.refusal != null || failure == null) {
                return ((this.refusal != null) ? this.refusal : Refusal.TOO_LARGE).exception(false);
            }
            return (failure instanceof RuntimeException runtime) ? runtime : new IllegalStateException(failure);
        }

    }

    private enum Refusal {

        TOO_LARGE, NO_BUDGET;

        RefusedException exception(boolean drained) {
            return (this == TOO_LARGE) ? new TooLargeException(drained) : new NoBudgetException(drained);
        }

    }

}
