package io.dumpforwarder.collector;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;

import org.springframework.http.HttpHeaders;

/**
 * Reads a {@code Retry-After} header (RFC 9110): a number of seconds, or an HTTP date in
 * any of the three forms recipients must accept (IMF-fixdate, RFC 850, asctime), read by
 * Spring's {@link HttpHeaders}.
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
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, trimmed);
        try {
            ZonedDateTime at = headers.getFirstZonedDateTime(HttpHeaders.RETRY_AFTER);
            Duration left = Duration.between(clock.instant(), at.toInstant());
            return left.isNegative() ? Duration.ZERO : left;
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
    }

}
