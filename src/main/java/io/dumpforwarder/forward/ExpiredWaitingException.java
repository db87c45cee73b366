package io.dumpforwarder.forward;

/**
 * An attempt waited for a permit of the adaptive concurrency limit until its oldest dump
 * passed max age.
 */
class ExpiredWaitingException extends RuntimeException {

    ExpiredWaitingException() {
        super("expired waiting for a permit of the adaptive concurrency limit", null, false, false);
    }

}
