package io.dumpforwarder.dump;

import java.util.List;

import reactor.core.publisher.Mono;

/**
 * Where ingest puts the dumps it accepts: the in-memory queue, or the Kafka buffer
 * ({@code forwarder.buffer.type}).
 */
public interface Intake {

    /**
     * Takes every dump of one request, or none of them.
     * @return what became of them; {@link Admission#ACCEPTED} only once they are held
     */
    Mono<Admission> admit(List<Dump> dumps);

    /** Whether dumps are taken at all (not starting, not shutting down). */
    boolean isOpen();

    /**
     * Whether not even one more dump fits: a cheap check before a body is read;
     * {@link #admit} decides.
     */
    boolean isFull();

    /** What {@link #admit} did with a request's dumps. */
    enum Admission {

        /** Every dump of the request is held. */
        ACCEPTED,
        /** Nothing is held: the dumps do not fit. */
        FULL,
        /**
         * Nothing is held: the queue is past the point where shares apply, and the caller
         * holds more than its share.
         */
        OVER_SHARE,
        /** Nothing is held: the pipeline is not running (starting or shutting down). */
        CLOSED,
        /**
         * The buffer did not acknowledge every dump in time: none is acknowledged to the
         * caller.
         */
        NOT_BUFFERED

    }

}
