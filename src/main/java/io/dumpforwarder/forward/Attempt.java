package io.dumpforwarder.forward;

import io.dumpforwarder.dump.Forwarded;

/**
 * What one attempt (one request to the collector) came to.
 *
 * @param result its outcome, and why it failed
 * @param retryable whether a later attempt may succeed
 * @param feedback what it tells the adaptive concurrency limit
 */
record Attempt(Forwarded result, boolean retryable, Feedback feedback) {

    static final Attempt SUCCESS = new Attempt(Forwarded.SUCCESS, false, Feedback.SAMPLE);

    /**
     * What an attempt tells the adaptive concurrency limit about the collector's load.
     */
    enum Feedback {

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

}
