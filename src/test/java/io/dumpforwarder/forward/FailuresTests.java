package io.dumpforwarder.forward;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLHandshakeException;

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
class FailuresTests {

    @Test
    void aHostThatDoesNotResolveIsAConnectErrorHoweverWrapped() {
        assertThat(Failures.classify(wrapped(new UnknownHostException("collector.invalid"))).outcome())
            .isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(Failures.classify(wrapped(new UnresolvedAddressException())).outcome())
            .isEqualTo(Outcome.CONNECT_ERROR);
    }

    @Test
    void eachKnownCauseHasItsOutcome() {
        assertThat(Failures.classify(wrapped(new ConnectException("refused"))).outcome())
            .isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(Failures.classify(wrapped(new SSLHandshakeException("PKIX"))).outcome())
            .isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(Failures.classify(new TimeoutException()).outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(Failures.classify(status(HttpStatus.TOO_MANY_REQUESTS)).outcome()).isEqualTo(Outcome.HTTP_4XX);
        assertThat(Failures.classify(status(HttpStatus.BAD_GATEWAY)).outcome()).isEqualTo(Outcome.HTTP_5XX);
        assertThat(Failures.classify(new IllegalStateException("surprise")))
            .isEqualTo(new Forwarded(Outcome.ERROR, "surprise"));
    }

    @Test
    void onlyFailuresALaterAttemptMayCureAreRetryable() {
        assertThat(Failures.isRetryable(wrapped(new ConnectException("refused")), false)).isTrue();
        assertThat(Failures.isRetryable(new TimeoutException(), false)).isTrue();
        assertThat(Failures.isRetryable(new TimeoutException(), true)).isFalse();
        assertThat(Failures.isRetryable(wrapped(PrematureCloseException.TEST_EXCEPTION), false)).isTrue();
        assertThat(Failures.isRetryable(wrapped(PrematureCloseException.TEST_EXCEPTION), true)).isFalse();
        for (HttpStatus status : new HttpStatus[] { HttpStatus.TOO_MANY_REQUESTS, HttpStatus.BAD_GATEWAY,
                HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.GATEWAY_TIMEOUT }) {
            assertThat(Failures.isRetryable(status(status), true)).as("%s", status).isTrue();
        }
        for (HttpStatus status : new HttpStatus[] { HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND,
                HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.INTERNAL_SERVER_ERROR }) {
            assertThat(Failures.isRetryable(status(status), true)).as("%s", status).isFalse();
        }
        assertThat(Failures.isRetryable(wrapped(new SSLHandshakeException("PKIX")), false)).isFalse();
        assertThat(Failures.isRetryable(new IllegalStateException("surprise"), false)).isFalse();
    }

    @Test
    void timeoutsAndOverloadAnswersAreDropsOtherAnswersSamplesTheRestIgnored() {
        assertThat(Failures.feedback(new TimeoutException())).isEqualTo(Failures.Feedback.DROP);
        for (HttpStatus status : new HttpStatus[] { HttpStatus.TOO_MANY_REQUESTS, HttpStatus.SERVICE_UNAVAILABLE,
                HttpStatus.GATEWAY_TIMEOUT }) {
            assertThat(Failures.feedback(status(status))).as("%s", status).isEqualTo(Failures.Feedback.DROP);
        }
        for (HttpStatus status : new HttpStatus[] { HttpStatus.BAD_REQUEST, HttpStatus.INTERNAL_SERVER_ERROR,
                HttpStatus.BAD_GATEWAY }) {
            assertThat(Failures.feedback(status(status))).as("%s", status).isEqualTo(Failures.Feedback.SAMPLE);
        }
        assertThat(Failures.feedback(wrapped(new ConnectException("refused")))).isEqualTo(Failures.Feedback.IGNORE);
        assertThat(Failures.feedback(new IllegalStateException("surprise"))).isEqualTo(Failures.Feedback.IGNORE);
        assertThat(Failures.classify(new ExpiredWaitingException()).outcome()).isEqualTo(Outcome.EXPIRED);
    }

    private static DownstreamStatusException status(HttpStatus status) {
        return new DownstreamStatusException(status, null);
    }

    private static Throwable wrapped(Throwable cause) {
        return new DecoderException(cause);
    }

}
