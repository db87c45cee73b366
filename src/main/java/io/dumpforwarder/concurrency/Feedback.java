package io.dumpforwarder.concurrency;

/** What an attempt tells the adaptive concurrency limit about the collector's load. */
public enum Feedback {

    /** The collector answered: the round trip is a sample of its latency. */
    SAMPLE,
    /** The collector is overloaded: a timeout, or a 429, 503 or 504. */
    DROP,
    /**
     * Nothing about the collector's load: it was not reached (open breaker, failed
     * connection).
     */
    IGNORE

}
