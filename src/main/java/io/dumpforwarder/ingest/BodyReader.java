package io.dumpforwarder.ingest;

import java.util.Arrays;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * Reads a request body into one array, never holding more than the limit. Past the limit it keeps reading
 * and drops what it reads, up to the discard limit, so the caller is still listening when the 413 goes out
 * (a server that closes with unread input resets the connection and the caller never sees its answer).
 */
final class BodyReader {

    private BodyReader() {
    }

    /**
     * The body's bytes, or a {@link TooLargeException} once it is known to be over the limit.
     * @param body the request body
     * @param declared the Content-Length, or -1 if unknown
     * @param limit the most bytes kept
     * @param discardLimit the most bytes read in all before giving up on the connection
     */
    static Mono<byte[]> read(Flux<DataBuffer> body, long declared, int limit, long discardLimit) {
        return body.reduceWith(() -> new Body(declared, limit, discardLimit), Body::append)
            .switchIfEmpty(Mono.fromSupplier(() -> new Body(0, limit, discardLimit)))
            .flatMap(Body::bytes);
    }

    /**
     * Reads the body and drops it, up to the discard limit, keeping nothing; tells whether all of it was read,
     * so the connection is reusable.
     */
    static Mono<Boolean> discard(Flux<DataBuffer> body, long discardLimit) {
        long[] size = { 0 };
        return body.doOnNext((buffer) -> {
            size[0] += buffer.readableByteCount();
            DataBufferUtils.release(buffer);
        }).takeUntil((buffer) -> size[0] > discardLimit).then(Mono.fromSupplier(() -> size[0] <= discardLimit));
    }

    /** The body is over the limit; {@code drained} tells whether all of it was read, so the connection is reusable. */
    static final class TooLargeException extends RuntimeException {

        private final boolean drained;

        TooLargeException(boolean drained) {
            super(null, null, false, false);
            this.drained = drained;
        }

        boolean drained() {
            return this.drained;
        }

    }

    private static final class Body {

        private static final byte[] EMPTY = new byte[0];

        private final int limit;

        private final long discardLimit;

        private byte[] bytes;

        private long size;

        Body(long declared, int limit, long discardLimit) {
            this.limit = limit;
            this.discardLimit = discardLimit;
            this.bytes = (declared >= 0 && declared <= limit) ? new byte[(int) declared] : EMPTY;
        }

        Body append(DataBuffer buffer) {
            try {
                int length = buffer.readableByteCount();
                this.size += length;
                if (this.size > this.discardLimit) {
                    throw new TooLargeException(false);
                }
                if (this.size > this.limit) {
                    this.bytes = EMPTY;
                    return this;
                }
                if (this.size > this.bytes.length) {
                    long grown = Math.min(this.limit, Math.max(this.size, 2L * this.bytes.length));
                    this.bytes = Arrays.copyOf(this.bytes, (int) grown);
                }
                buffer.read(this.bytes, (int) this.size - length, length);
                return this;
            }
            finally {
                DataBufferUtils.release(buffer);
            }
        }

        Mono<byte[]> bytes() {
            if (this.size > this.limit) {
                return Mono.error(new TooLargeException(true));
            }
            return Mono.just((this.size == this.bytes.length) ? this.bytes : Arrays.copyOf(this.bytes, (int) this.size));
        }

    }

}
