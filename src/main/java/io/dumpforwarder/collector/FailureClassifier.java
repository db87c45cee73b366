package io.dumpforwarder.collector;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import io.dumpforwarder.concurrency.Feedback;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Outcome;
import io.netty.handler.timeout.ReadTimeoutException;
import reactor.netty.http.client.PrematureCloseException;

/**
 * Where an attempt that failed on the wire becomes an outcome (the forward's own
 * refusals, an open breaker or a permit not granted, are its own). Netty wraps some
 * transport errors (a TLS failure arrives inside a {@code DecoderException}), so the
 * cause chain is walked, once, to the first cause we recognise.
 */
public final class FailureClassifier {

    private FailureClassifier() {
    }

    /**
     * The failed attempt's outcome, whether trying again may succeed, and what it tells
     * the adaptive limit. Retryable: a refused or failed connection, one the collector
     * closed before any answer (a kept-alive connection it dropped as the request went
     * out), a timeout before any answer, or a retryable status; never another 4xx or a
     * TLS failure. A timeout or an overload answer is a drop, any other answer a sample,
     * and anything that did not reach the collector is ignored.
     * @param error what the attempt failed with
     * @param answered whether the collector's answer had started to arrive
     */
    public static AttemptResult classify(Throwable error, boolean answered) {
        Boolean retryable = null;
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (retryable == null && cause instanceof PrematureCloseException) {
                retryable = !answered;
            }
            Outcome outcome = outcomeOf(cause);
            if (outcome != null) {
                boolean retry = (retryable != null) ? retryable : isRetryable(cause, outcome, answered);
                CollectorStatusException answer = (cause instanceof CollectorStatusException status) ? status : null;
                boolean refused = answer != null && answer.isAboutTheDump();
                int status = (answer != null) ? answer.status() : 0;
                return new AttemptResult(new ForwardResult(outcome, describe(cause), refused, status, 0), retry,
                        feedback(cause, outcome));
            }
        }
        return new AttemptResult(new ForwardResult(Outcome.ERROR, describe(error)), Boolean.TRUE.equals(retryable),
                Feedback.IGNORE);
    }

    private static Outcome outcomeOf(Throwable cause) {
        if (cause instanceof CollectorStatusException answer) {
            return answer.isAboutTheForwarder() ? Outcome.REJECTED : answer.isClientError() ? Outcome.HTTP_4XX
                    : answer.isServerError() ? Outcome.HTTP_5XX : Outcome.ERROR;
        }
        if (cause instanceof TimeoutException || cause instanceof ReadTimeoutException) {
            return Outcome.TIMEOUT;
        }
        if (cause instanceof ConnectException || cause instanceof UnknownHostException
                || cause instanceof UnresolvedAddressException || cause instanceof SSLException
                || isOutOfFileDescriptors(cause)) {
            return Outcome.CONNECT_ERROR;
        }
        return null;
    }

    /**
     * The process had no file descriptor left for a socket (EMFILE, ENFILE): no
     * connection was made, and one may be once others close.
     */
    private static boolean isOutOfFileDescriptors(Throwable cause) {
        String message = cause.getMessage();
        return cause instanceof IOException && message != null && message.contains("Too many open files");
    }

    private static boolean isRetryable(Throwable cause, Outcome outcome, boolean answered) {
        if (cause instanceof CollectorStatusException answer) {
            return answer.isRetryable();
        }
        return (outcome == Outcome.CONNECT_ERROR && !(cause instanceof SSLException))
                || (outcome == Outcome.TIMEOUT && !answered);
    }

    private static Feedback feedback(Throwable cause, Outcome outcome) {
        if (cause instanceof CollectorStatusException answer) {
            return answer.isOverload() ? Feedback.DROP : Feedback.SAMPLE;
        }
        return (outcome == Outcome.TIMEOUT) ? Feedback.DROP : Feedback.IGNORE;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return (message != null) ? message : cause.getClass().getSimpleName();
    }

}
