package io.dumpforwarder.forward;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Reads a {@code Retry-After} header (RFC 9110): a number of seconds, or an HTTP date.
 */
final class RetryAfterHeader {

    private RetryAfterHeader() {
    }

    /**
     * How long the header asks to wait: zero for a date in the past, {@code null} when
     * absent or unreadable.
     */
    static Duration parse(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.chars().allMatch(Character::isDigit)) {
            return (trimmed.length() > 9) ? Duration.ofSeconds(999_999_999)
                    : Duration.ofSeconds(Long.parseLong(trimmed));
        }
        try {
            Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration left = Duration.between(clock.instant(), at);
            return left.isNegative() ? Duration.ZERO : left;
        }
        catch (DateTimeParseException ex) {
            return null;
        }
    }

}
