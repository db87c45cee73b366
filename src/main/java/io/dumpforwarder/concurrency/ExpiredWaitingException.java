package io.dumpforwarder.concurrency;

/**
 * An attempt waited for a permit of the adaptive concurrency limit until its oldest dump
 * passed max age.
 */
public class ExpiredWaitingException extends RuntimeException {

    public ExpiredWaitingException() {
        super("expired waiting for a permit of the adaptive concurrency limit", null, false, false);
    }

}
