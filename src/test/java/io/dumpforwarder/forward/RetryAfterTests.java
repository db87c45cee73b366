package io.dumpforwarder.forward;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTests {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void readsSeconds() {
        assertThat(RetryAfter.parse("5", this.clock)).hasSeconds(5);
        assertThat(RetryAfter.parse(" 0 ", this.clock)).isZero();
        assertThat(RetryAfter.parse("99999999999999999999", this.clock)).isGreaterThan(Duration.ofDays(365));
    }

    @Test
    void readsAnHttpDateAsTheTimeLeftUntilIt() {
        assertThat(RetryAfter.parse("Sun, 22 Nov 2026 10:00:42 GMT", this.clock)).hasSeconds(42);
        assertThat(RetryAfter.parse("Sun, 22 Nov 2026 09:59:00 GMT", this.clock)).isZero();
    }

    @Test
    void ignoresWhatItCannotRead() {
        assertThat(RetryAfter.parse(null, this.clock)).isNull();
        assertThat(RetryAfter.parse("", this.clock)).isNull();
        assertThat(RetryAfter.parse("-3", this.clock)).isNull();
        assertThat(RetryAfter.parse("soon", this.clock)).isNull();
        assertThat(RetryAfter.parse("1.5", this.clock)).isNull();
    }

}
