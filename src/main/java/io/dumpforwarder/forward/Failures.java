package io.dumpforwarder.forward;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.netty.handler.timeout.ReadTimeoutException;
import reactor.netty.http.client.PrematureCloseException;

/**
 * The one place where a failed forward becomes an outcome. Netty wraps some transport
 * errors (a TLS failure arrives inside a {@code DecoderException}), so the whole cause
 * chain is searched for the first cause we recognise.
 */
final class Failures {

    private Failures() {
    }

    static Forwarded classify(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            Outcome outcome = outcomeOf(cause);
            if (outcome != null) {
                return new Forwarded(outcome, describe(cause));
            }
        }
        return new Forwarded(Outcome.ERROR, describe(error));
    }

    /**
     * Whether trying again may succeed: a refused or failed connection, one the collector
     * closed before any answer (a kept-alive connection it dropped as the request went
     * out), a timeout before any answer, or an answer of 429, 502, 503 or 504. Never
     * another 4xx, a TLS failure, an open breaker or a refused permit.
     */
    static boolean isRetryable(Throwable error, boolean answered) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof PrematureCloseException) {
                return !answered;
            }
            if (cause instanceof DownstreamStatusException status) {
                int code = status.status().value();
                return code == 429 || code == 502 || code == 503 || code == 504;
            }
            Outcome outcome = outcomeOf(cause);
            if (outcome != null) {
                return (outcome == Outcome.CONNECT_ERROR && !(cause instanceof SSLException))
                        || (outcome == Outcome.TIMEOUT && !answered);
            }
        }
        return false;
    }

    /** What a failed attempt tells the adaptive concurrency limit. */
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

    static Feedback feedback(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof DownstreamStatusException status) {
                int code = status.status().value();
                return (code == 429 || code == 503 || code == 504) ? Feedback.DROP : Feedback.SAMPLE;
            }
            Outcome outcome = outcomeOf(cause);
            if (outcome != null) {
                return (outcome == Outcome.TIMEOUT) ? Feedback.DROP : Feedback.IGNORE;
            }
        }
        return Feedback.IGNORE;
    }

    private static Outcome outcomeOf(Throwable cause) {
        if (cause instanceof DownstreamStatusException status) {
            return status.status().is4xxClientError() ? Outcome.HTTP_4XX
                    : status.status().is5xxServerError() ? Outcome.HTTP_5XX : Outcome.ERROR;
        }
        if (cause instanceof TimeoutException || cause instanceof ReadTimeoutException) {
            return Outcome.TIMEOUT;
        }
        if (cause instanceof ConnectException || cause instanceof UnknownHostException
                || cause instanceof UnresolvedAddressException || cause instanceof SSLException) {
            return Outcome.CONNECT_ERROR;
        }
        if (cause instanceof CallNotPermittedException) {
            return Outcome.CIRCUIT_OPEN;
        }
        if (cause instanceof RequestNotPermitted) {
            return Outcome.RATE_LIMITED;
        }
        if (cause instanceof ExpiredWaitingException) {
            return Outcome.EXPIRED;
        }
        return null;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return (message != null) ? message : cause.getClass().getSimpleName();
    }

}
