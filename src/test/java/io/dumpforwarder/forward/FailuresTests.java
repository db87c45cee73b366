package io.dumpforwarder.forward;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The translation from a failed forward to its outcome, for the causes the socket tests cannot produce here:
 * a host name that does not resolve would send a DNS query off this machine, which tests must not do.
 */
class FailuresTests {

    @Test
    void aHostThatDoesNotResolveIsAConnectErrorHoweverWrapped() {
        assertThat(Failures.classify(wrapped(new UnknownHostException("collector.invalid"))).outcome())
            .isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(Failures.classify(wrapped(new UnresolvedAddressException())).outcome()).isEqualTo(Outcome.CONNECT_ERROR);
    }

    @Test
    void eachKnownCauseHasItsOutcome() {
        assertThat(Failures.classify(wrapped(new ConnectException("refused"))).outcome()).isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(Failures.classify(wrapped(new SSLHandshakeException("PKIX"))).outcome()).isEqualTo(Outcome.CONNECT_ERROR);
        assertThat(Failures.classify(new TimeoutException()).outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(Failures.classify(new DownstreamStatusException(HttpStatus.TOO_MANY_REQUESTS)).outcome())
            .isEqualTo(Outcome.HTTP_4XX);
        assertThat(Failures.classify(new DownstreamStatusException(HttpStatus.BAD_GATEWAY)).outcome())
            .isEqualTo(Outcome.HTTP_5XX);
        assertThat(Failures.classify(new IllegalStateException("surprise"))).isEqualTo(new Forwarded(Outcome.ERROR, "surprise"));
    }

    private static Throwable wrapped(Throwable cause) {
        return new WebClientRequestException(cause, org.springframework.http.HttpMethod.POST,
                java.net.URI.create("http://collector.invalid/dumps"), new org.springframework.http.HttpHeaders());
    }

}
