package io.dumpforwarder.breaker;

import java.util.concurrent.TimeoutException;

import io.dumpforwarder.collector.CollectorStatusException;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failed calls the breaker leaves out: answers about the dump, never signs of the
 * collector's health.
 */
class ResilienceConfigurationTests {

    @Test
    void onlyAnswersAboutTheDumpAreLeftOutOfTheBreaker() {
        for (HttpStatus status : new HttpStatus[] { HttpStatus.BAD_REQUEST, HttpStatus.CONTENT_TOO_LARGE,
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, HttpStatus.UNPROCESSABLE_CONTENT }) {
            assertThat(ResilienceConfiguration.isAboutTheDump(new CollectorStatusException(status.value(), null)))
                .as("%s", status)
                .isTrue();
        }
        // Rejections of the forwarder itself (its credentials, URL) count too: every dump
        // would get them.
        for (HttpStatus status : new HttpStatus[] { HttpStatus.REQUEST_TIMEOUT, HttpStatus.TOO_MANY_REQUESTS,
                HttpStatus.INTERNAL_SERVER_ERROR, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.UNAUTHORIZED,
                HttpStatus.FORBIDDEN, HttpStatus.NOT_FOUND }) {
            assertThat(ResilienceConfiguration.isAboutTheDump(new CollectorStatusException(status.value(), null)))
                .as("%s", status)
                .isFalse();
        }
        assertThat(ResilienceConfiguration.isAboutTheDump(new TimeoutException())).isFalse();
    }

}
