package io.dumpforwarder.body;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.IngestProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.Decompressor;
import io.netty.handler.codec.compression.Zstd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Reads a request body into one array, never holding more than the limit nor more than
 * the request's lease on the body budget grants, reserved as the bytes arrive, and never
 * slower than the minimum rate. A compressed body ({@link ContentCoding}) is decompressed
 * as it arrives, a buffer at a time: the limit and the budget count its decompressed
 * bytes, the bytes read off the wire are bounded by {@code forwarder.max-request-size},
 * and nothing is inflated past the first bound crossed. Past a bound it keeps reading and
 * drops what it reads, up to the discard limit, so the caller is still listening when the
 * answer goes out (a server that closes with unread input resets the connection and the
 * caller never sees its answer). The first bound crossed decides the answer, even if the
 * body then stalls or is cut off. The buffers are Reactor Netty's: it releases each one
 * once it has been read.
 */
@Component
public class BodyReader {

    private static final Logger logger = LoggerFactory.getLogger(BodyReader.class);

    private final int wireLimit;

    private final long discardLimit;

    private final MinRate minRate;

    private final Map<ContentCoding, Counter> compressed = new EnumMap<>(ContentCoding.class);

    private final Map<ContentCoding, Counter> decompressed = new EnumMap<>(ContentCoding.class);

    /**
     * Whether zstd-jni's native library loaded: loaded here, at start-up, and not on the
     * event loop that receives the first zstd body (loading reads it from the jar).
     */
    private final boolean zstd = Zstd.isAvailable();

    BodyReader(ForwarderProperties properties, IngestProperties ingest, MeterRegistry registry) {
        if (!this.zstd) {
            logger.warn("zstd-jni's native library cannot be loaded here: bodies in zstd are refused 415",
                    Zstd.cause());
        }
        this.wireLimit = Math.toIntExact(properties.maxRequestSize().toBytes());
        this.discardLimit = 2L * this.wireLimit;
        this.minRate = new MinRate(ingest.readTimeout().toNanos(), ingest.minBodyRate().toBytes());
        for (ContentCoding coding : ContentCoding.values()) {
            if (coding != ContentCoding.IDENTITY) {
                this.compressed.put(coding,
                        Counter.builder("dumps.ingest.compressed.bytes")
                            .description("Bytes of compressed request bodies read, by Content-Encoding")
                            .baseUnit("bytes")
                            .tag("encoding", coding.tag())
                            .register(registry));
                this.decompressed.put(coding,
                        Counter.builder("dumps.ingest.decompressed.bytes")
                            .description("Bytes those bodies decompressed to, by Content-Encoding")
                            .baseUnit("bytes")
                            .tag("encoding", coding.tag())
                            .register(registry));
            }
        }
    }

    /**
     * The coding the {@code Content-Encoding} values name, if this reader decodes it;
     * else {@code null}.
     */
    public ContentCoding coding(List<String> contentEncoding) {
        ContentCoding coding = ContentCoding.of(contentEncoding);
        return (coding != ContentCoding.ZSTD || this.zstd) ? coding : null;
    }

    /**
     * Bytes of a body read and dropped at most before the connection is given up, so the
     * sender of a refused body can read the answer.
     */
    public long discardLimit() {
        return this.discardLimit;
    }

    /**
     * Whether a body of this declared length is refused before it is read: its bytes on
     * the wire are over the limit.
     */
    public boolean isTooLarge(long declared, int limit, ContentCoding coding) {
        return declared > ((coding == ContentCoding.IDENTITY) ? limit : this.wireLimit);
    }

    /**
     * The body's bytes, decompressed; or a {@link TooLargeException} once it is known to
     * be over the limit, a {@link NoBudgetException} once buffering it would pass the
     * body budget, an {@link OverShareException} once it would pass its caller's share of
     * the budget, a {@link TooSlowException} once it arrives slower than the minimum
     * rate, an {@link UndecodableException} when it cannot be decompressed.
     * @param body the request body
     * @param declared the Content-Length, or -1 if unknown
     * @param limit the most bytes kept, decompressed
     * @param lease the request's share of the body budget, from which every byte buffered
     * is reserved first, as it arrives (never the declared length up front)
     * @param coding the body's content coding
     */
    public Mono<byte[]> read(Flux<ByteBuf> body, long declared, int limit, BodyBudget.Lease lease,
            ContentCoding coding) {
        return Mono.defer(() -> {
            Body received = new Body(declared, limit, lease, coding);
            return body.doOnNext(received::append)
                .then(Mono.defer(received::bytes))
                .onErrorMap((error) -> !(error instanceof RefusedException), received::refusalOr)
                .doOnTerminate(received::finish)
                .doOnCancel(received::finish);
        });
    }

    /**
     * Reads the body and drops it, up to the discard limit, keeping nothing; tells
     * whether all of it was read, so the connection is reusable.
     */
    public Mono<Boolean> discard(Flux<ByteBuf> body) {
        long[] size = { 0 };
        return body.doOnNext((buffer) -> size[0] += buffer.readableBytes())
            .takeUntil((buffer) -> size[0] > this.discardLimit)
            .then(Mono.fromSupplier(() -> size[0] <= this.discardLimit));
    }

    /**
     * The body was refused; {@code drained} tells whether all of it was read, so the
     * connection is reusable.
     */
    public abstract static sealed class RefusedException extends RuntimeException
            permits TooLargeException, NoBudgetException, OverShareException, TooSlowException, UndecodableException {

        private final boolean drained;

        RefusedException(String message, boolean drained) {
            super(message, null, false, false);
            this.drained = drained;
        }

        public boolean drained() {
            return this.drained;
        }

    }

    /** The body is over the limit. */
    public static final class TooLargeException extends RefusedException {

        TooLargeException(boolean drained) {
            super(null, drained);
        }

    }

    /** Buffering the body would pass the budget of bytes being received. */
    public static final class NoBudgetException extends RefusedException {

        NoBudgetException(boolean drained) {
            super(null, drained);
        }

    }

    /**
     * Buffering the body would give its caller more than its share of the budget of bytes
     * being received.
     */
    public static final class OverShareException extends RefusedException {

        OverShareException(boolean drained) {
            super(null, drained);
        }

    }

    /** The body arrives slower than the minimum rate. */
    public static final class TooSlowException extends RefusedException {

        TooSlowException() {
            super(null, false);
        }

    }

    /** The body is not a whole, valid stream of its content coding. */
    public static final class UndecodableException extends RefusedException {

        UndecodableException(String message, boolean drained) {
            super(message, drained);
        }

    }

    /**
     * The slowest a body may arrive: after {@code grace}, {@code bytesPerSecond} on
     * average (as Apache's mod_reqtimeout's MinRate); 0 bytes a second for no minimum.
     */
    record MinRate(long graceNanos, long bytesPerSecond) {

        boolean isPassed(long elapsedNanos, long received) {
            if (this.bytesPerSecond <= 0 || elapsedNanos <= this.graceNanos) {
                return false;
            }
            return received < (double) (elapsedNanos - this.graceNanos) / 1e9 * this.bytesPerSecond;
        }

    }

    private final class Body {

        private static final byte[] EMPTY = new byte[0];

        /** Reserved first, for a body whose length is declared: at most this much. */
        private static final int FIRST_RESERVATION = 16 * 1024;

        private final long declared;

        private final long startNanos = System.nanoTime();

        private final int limit;

        private final BodyBudget.Lease lease;

        private final ContentCoding coding;

        /** Decompresses a coded body; {@code null} for identity, and once refused. */
        private Decompressor decompressor;

        private byte[] bytes = EMPTY;

        /** Bytes read off the wire. */
        private long read;

        /** Bytes of the body, decompressed. */
        private long size;

        /** Set once the body's bytes are counted. */
        private boolean finished;

        /**
         * Why the body is refused, decided by the first bound it crossed; {@code null}
         * while it is kept.
         */
        private Refusal refusal;

        /** Why the body could not be decompressed, when that is the refusal. */
        private String undecodable;

        Body(long declared, int limit, BodyBudget.Lease lease, ContentCoding coding) {
            this.limit = limit;
            this.lease = lease;
            this.declared = declared;
            this.coding = coding;
            this.decompressor = coding.decompressor(ByteBufAllocator.DEFAULT);
            if (isTooLarge(declared, limit, coding)) {
                refuse(Refusal.TOO_LARGE);
            }
            else if (declared > 0 && coding == ContentCoding.IDENTITY) {
                grow((int) Math.min(declared, FIRST_RESERVATION));
            }
        }

        void append(ByteBuf buffer) {
            int length = buffer.readableBytes();
            this.read += length;
            if (this.read > BodyReader.this.discardLimit) {
                throw refusalOr(null);
            }
            if (this.refusal == null && this.read > BodyReader.this.wireLimit) {
                refuse(Refusal.TOO_LARGE);
            }
            if (this.refusal == null
                    && BodyReader.this.minRate.isPassed(System.nanoTime() - this.startNanos, this.read)) {
                throw new TooSlowException();
            }
            if (this.refusal != null) {
                return;
            }
            if (this.coding == ContentCoding.IDENTITY) {
                keep(buffer);
                return;
            }
            try {
                if (this.decompressor.status() == Decompressor.Status.COMPLETE) {
                    throw new DecompressionException("data after the end of the compressed stream");
                }
                this.decompressor.addInput(buffer.retain());
                inflate();
                if (this.decompressor != null && this.decompressor.status() == Decompressor.Status.COMPLETE
                        && buffer.isReadable()) {
                    // The stream ended within this buffer: what follows it is no part of
                    // the body (a deflate stream does not go on as gzip's members do).
                    throw new DecompressionException("data after the end of the compressed stream");
                }
            }
            catch (DecompressionException ex) {
                undecodable(ex);
            }
        }

        /**
         * Takes what the decompressor has for us, until it needs input or a bound is
         * crossed.
         */
        private void inflate() {
            while (this.refusal == null && this.decompressor.status() == Decompressor.Status.NEED_OUTPUT) {
                ByteBuf output = this.decompressor.takeOutput();
                try {
                    keep(output);
                }
                finally {
                    output.release();
                }
            }
        }

        /** Keeps the body's next decompressed bytes, within the limit and the budget. */
        private void keep(ByteBuf buffer) {
            int length = buffer.readableBytes();
            this.size += length;
            if (this.size > this.limit) {
                refuse(Refusal.TOO_LARGE);
                return;
            }
            if (this.size > this.bytes.length) {
                // Doubling, never past the declared length: the budget held stays within
                // twice what arrived.
                long most = (this.declared > 0 && this.coding == ContentCoding.IDENTITY)
                        ? Math.min(this.limit, Math.max(this.declared, this.size)) : this.limit;
                grow((int) Math.min(most, Math.max(this.size, 2L * this.bytes.length)));
                if (this.refusal != null) {
                    return;
                }
            }
            buffer.readBytes(this.bytes, (int) this.size - length, length);
        }

        /**
         * Grows the array to {@code capacity}, if the lease grants the bytes; else to
         * what the lease has room for, if that holds the body's bytes so far; else the
         * body is refused. So a body is refused by the bytes it holds, not by how far its
         * array would have doubled: the same body the same way whether it came compressed
         * (its array doubling) or with its length (its array never past it).
         */
        private void grow(int capacity) {
            BodyBudget.Grant grant = this.lease.reserve(capacity - this.bytes.length);
            if (grant != BodyBudget.Grant.GRANTED) {
                long room = this.lease.room();
                if (room > 0 && this.bytes.length + room >= this.size && this.bytes.length + room < capacity) {
                    int fits = (int) (this.bytes.length + room);
                    if (this.lease.reserve(fits - this.bytes.length) == BodyBudget.Grant.GRANTED) {
                        this.bytes = Arrays.copyOf(this.bytes, fits);
                        return;
                    }
                }
                refuse((grant == BodyBudget.Grant.OVER_SHARE) ? Refusal.OVER_SHARE : Refusal.NO_BUDGET);
                return;
            }
            this.bytes = Arrays.copyOf(this.bytes, capacity);
        }

        /** The first bound crossed decides; nothing more is kept or inflated. */
        private void refuse(Refusal refusal) {
            if (this.refusal == null) {
                this.refusal = refusal;
            }
            this.bytes = EMPTY;
            close();
        }

        private void undecodable(DecompressionException ex) {
            Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
            this.undecodable = "the " + this.coding.tag() + " body could not be decompressed: " + cause.getMessage();
            refuse(Refusal.UNDECODABLE);
        }

        Mono<byte[]> bytes() {
            if (this.decompressor != null) {
                try {
                    if (this.decompressor.status() == Decompressor.Status.NEED_INPUT) {
                        this.decompressor.endOfInput();
                    }
                    inflate();
                    if (this.refusal == null && this.decompressor.status() != Decompressor.Status.COMPLETE) {
                        throw new DecompressionException("the stream ends before its end");
                    }
                }
                catch (DecompressionException ex) {
                    undecodable(ex);
                }
            }
            if (this.refusal != null) {
                return Mono.error(this.refusal.exception(true, this.undecodable));
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
                return ((this.refusal != null) ? this.refusal : Refusal.TOO_LARGE).exception(false, this.undecodable);
            }
            return (failure instanceof RuntimeException runtime) ? runtime : new IllegalStateException(failure);
        }

        /** Ends the decompression; nothing more is inflated. */
        private void close() {
            if (this.decompressor != null) {
                this.decompressor.close();
                this.decompressor = null;
            }
        }

        /**
         * Ends the decompression, lets go of the bytes (handed on by now, or garbage),
         * and counts the bytes of a compressed body, once: before the answer goes out, so
         * the count is there when the caller reads it. However the body ended, nothing of
         * it stays reachable from here.
         */
        void finish() {
            close();
            this.bytes = EMPTY;
            if (this.coding != ContentCoding.IDENTITY && !this.finished) {
                this.finished = true;
                BodyReader.this.compressed.get(this.coding).increment(this.read);
                BodyReader.this.decompressed.get(this.coding).increment(this.size);
            }
        }

    }

    private enum Refusal {

        TOO_LARGE, NO_BUDGET, OVER_SHARE, UNDECODABLE;

        RefusedException exception(boolean drained, String undecodable) {
            return switch (this) {
                case TOO_LARGE -> new TooLargeException(drained);
                case NO_BUDGET -> new NoBudgetException(drained);
                case OVER_SHARE -> new OverShareException(drained);
                case UNDECODABLE -> new UndecodableException(undecodable, drained);
            };
        }

    }

}
