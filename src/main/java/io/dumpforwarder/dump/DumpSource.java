package io.dumpforwarder.dump;

import java.util.List;

import reactor.core.publisher.Flux;

/**
 * Where the pipeline takes the dumps it forwards: the in-memory queue, or the Kafka
 * buffer ({@code forwarder.buffer.type}). It hands dumps out no faster than the pipeline
 * asks, and is told what became of each; what a durable source does then (commit,
 * dead-letter, deliver again) stays its own.
 */
public interface DumpSource {

    /**
     * The dumps to forward, handed out no faster than asked; subscribed once.
     */
    Flux<Dump> dumps();

    /**
     * The forward of these dumps, all handed out by this source, ended with this result.
     * @return the dumps it settles: all of them, or, for a durable source, those it does
     * not keep to hand out again
     */
    List<Dump> settled(List<Dump> dumps, ForwardResult result);

    /** Dumps waiting to be handed out. */
    long waiting();

    /** Starts taking dumps in. */
    void open();

    /** Takes no more dumps in; those already in are still handed out. */
    void close();

}
