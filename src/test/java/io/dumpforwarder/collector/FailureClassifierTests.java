package io.dumpforwarder.collector;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLHandshakeException;

import io.dumpforwarder.concurrency.Feedback;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Outcome;
import io.netty.channel.ChannelException;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The translation from a failed forward to its outcome, for the causes the socket tests
 * cannot produce here: a host name that does not resolve would send a DNS query off this
 * machine, which tests must not do.
 */
class FailureClassifierTests {

    @Test
    void aHostThatDoesNotResolveIsAConnectErrorHoweverWrapped() {
        assertThat(outcome(wrapped(new UnknownHostException("collector.invalid")))).isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(outcome(wrapped(new UnresolvedAddressException()))).isEqualTo(Outcome.CONNECT_ERROR);
    }

    @Test
    void eachKnownCauseHasItsOutcome() {
        assertThat(outcome(wrapped(new ConnectException("refused")))).isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(outcome(wrapped(new SSLHandshakeException("PKIX")))).isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(outcome(new TimeoutException())).isEqualTo(Outcome.TIMEOUT);
        assertThat(outcome(status(HttpStatus.TOO_MANY_REQUESTS))).isEqualTo(Outcome.HTTP_4XX);
        assertThat(outcome(status(HttpStatus.BAD_GATEWAY))).isEqualTo(Outcome.HTTP_5XX);
        assertThat(FailureClassifier.classify(new IllegalStateException("surprise"), false).result())
            .isEqualTo(new ForwardResult(Outcome.ERROR, "surprise"));
    }

    /**
     * Answers about the forwarder itself (its credentials, URL, method): held and tried
     * again like an outage, never counted as the dump's refusal.
     */
    @Test
    void answersThatRejectTheForwarderAreRetriedNotRefusals() {
        for (HttpStatus status : new HttpStatus[] { HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.NOT_FOUND,
                HttpStatus.METHOD_NOT_ALLOWED, HttpStatus.PROXY_AUTHENTICATION_REQUIRED, HttpStatus.LENGTH_REQUIRED,
                HttpStatus.MISDIRECTED_REQUEST, HttpStatus.UPGRADE_REQUIRED }) {
            AttemptResult attempt = FailureClassifier.classify(status(status), true);
            assertThat(attempt.result().outcome()).as("%s", status).isEqualTo(Outcome.REJECTED);
            assertThat(attempt.result().refused()).as("%s", status).isFalse();
            assertThat(attempt.result().status()).isEqualTo(status.value());
            assertThat(attempt.retryable()).as("%s", status).isTrue();
        }
        AttemptResult refused = FailureClassifier.classify(status(HttpStatus.BAD_REQUEST), true);
        assertThat(refused.result().refused()).isTrue();
        assertThat(refused.result().outcome()).isEqualTo(Outcome.HTTP_4XX);
    }

    @Test
    void onlyFailuresALaterAttemptMayCureAreRetryable() {
        assertThat(retryable(wrapped(new ConnectException("refused")), false)).isTrue();
        assertThat(retryable(new TimeoutException(), false)).isTrue();
        assertThat(retryable(new TimeoutException(), true)).isFalse();
        assertThat(retryable(wrapped(PrematureCloseException.TEST_EXCEPTION), false)).isTrue();
        assertThat(retryable(wrapped(PrematureCloseException.TEST_EXCEPTION), true)).isFalse();
        for (HttpStatus status : new HttpStatus[] { HttpStatus.TOO_MANY_REQUESTS, HttpStatus.BAD_GATEWAY,
                HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.GATEWAY_TIMEOUT }) {
            assertThat(retryable(status(status), true)).as("%s", status).isTrue();
        }
        for (HttpStatus status : new HttpStatus[] { HttpStatus.BAD_REQUEST, HttpStatus.UNPROCESSABLE_CONTENT,
                HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.INTERNAL_SERVER_ERROR }) {
            assertThat(retryable(status(status), true)).as("%s", status).isFalse();
        }
        assertThat(retryable(wrapped(new SSLHandshakeException("PKIX")), false)).isFalse();
        // Netty's epoll transport, out of file descriptors for a new socket.
        IOException noDescriptor = new IOException("newSocketStream(..) failed: Too many open files");
        assertThat(retryable(new ChannelException(noDescriptor), false)).isTrue();
        assertThat(outcome(new ChannelException(noDescriptor))).isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(retryable(new IllegalStateException("surprise"), false)).isFalse();
    }

    @Test
    void timeoutsAndOverloadAnswersAreDropsOtherAnswersSamplesTheRestIgnored() {
        assertThat(feedback(new TimeoutException())).isEqualTo(Feedback.DROP);
        for (HttpStatus status : new HttpStatus[] { HttpStatus.TOO_MANY_REQUESTS, HttpStatus.SERVICE_UNAVAILABLE,
                HttpStatus.GATEWAY_TIMEOUT }) {
            assertThat(feedback(status(status))).as("%s", status).isEqualTo(Feedback.DROP);
        }
        for (HttpStatus status : new HttpStatus[] { HttpStatus.BAD_REQUEST, HttpStatus.INTERNAL_SERVER_ERROR,
                HttpStatus.BAD_GATEWAY }) {
            assertThat(feedback(status(status))).as("%s", status).isEqualTo(Feedback.SAMPLE);
        }
        assertThat(feedback(wrapped(new ConnectException("refused")))).isEqualTo(Feedback.IGNORE);
        assertThat(feedback(new IllegalStateException("surprise"))).isEqualTo(Feedback.IGNORE);
    }

    private static Outcome outcome(Throwable error) {
        return FailureClassifier.classify(error, false).result().outcome();
    }

    private static boolean retryable(Throwable error, boolean answered) {
        return FailureClassifier.classify(error, answered).retryable();
    }

    private static Feedback feedback(Throwable error) {
        return FailureClassifier.classify(error, false).feedback();
    }

    private static CollectorStatusException status(HttpStatus status) {
        return new CollectorStatusException(status.value(), null);
    }

    private static Throwable wrapped(Throwable cause) {
        return new DecoderException(cause);
    }

}
