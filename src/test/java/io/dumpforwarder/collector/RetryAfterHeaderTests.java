package io.dumpforwarder.collector;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterHeaderTests {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void readsSeconds() {
        assertThat(RetryAfterHeader.parse("5", this.clock)).hasSeconds(5);
        assertThat(RetryAfterHeader.parse(" 0 ", this.clock)).isZero();
        assertThat(RetryAfterHeader.parse("99999999999999999999", this.clock)).isGreaterThan(Duration.ofDays(365));
    }

    @Test
    void readsAnHttpDateAsTheTimeLeftUntilIt() {
        assertThat(RetryAfterHeader.parse("Sun, 22 Nov 2026 10:00:42 GMT", this.clock)).hasSeconds(42);
        assertThat(RetryAfterHeader.parse("Sun, 22 Nov 2026 09:59:00 GMT", this.clock)).isZero();
    }

    @Test
    void readsTheObsoleteDateFormsRecipientsMustAccept() {
        assertThat(RetryAfterHeader.parse("Sunday, 22-Nov-26 10:00:42 GMT", this.clock)).hasSeconds(42);
        assertThat(RetryAfterHeader.parse("Sun Nov 22 10:00:42 2026", this.clock)).hasSeconds(42);
    }

    @Test
    void ignoresWhatItCannotRead() {
        assertThat(RetryAfterHeader.parse(null, this.clock)).isNull();
        assertThat(RetryAfterHeader.parse("", this.clock)).isNull();
        assertThat(RetryAfterHeader.parse("-3", this.clock)).isNull();
        assertThat(RetryAfterHeader.parse("soon", this.clock)).isNull();
        assertThat(RetryAfterHeader.parse("1.5", this.clock)).isNull();
    }

}
