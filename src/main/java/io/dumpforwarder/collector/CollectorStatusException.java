package io.dumpforwarder.collector;

import java.time.Clock;
import java.time.Duration;

/**
 * The collector answered with a status other than 2xx. What each status means for the
 * forward is decided here and nowhere else: whether it is about the dump or about the
 * collector's health, whether a later attempt may succeed, whether it tells of overload,
 * and whether its {@code Retry-After} pauses sending.
 */
public class CollectorStatusException extends RuntimeException {

    private final int status;

    private final Duration retryAfter;

    /**
     * The answer's failure.
     * @param status the answer's status
     * @param retryAfter the answer's {@code Retry-After} header, or {@code null}; read on
     * a 429 or 503 only
     */
    public CollectorStatusException(int status, String retryAfter) {
        this(status, asksForPause(status) ? RetryAfterHeader.parse(retryAfter, Clock.systemUTC()) : null);
    }

    private CollectorStatusException(int status, Duration retryAfter) {
        super("collector answered HTTP " + status
                + ((retryAfter != null) ? " with Retry-After " + retryAfter.toSeconds() + " s" : ""), null, false,
                false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return this.status;
    }

    /** The pause a 429 or 503 asked for with Retry-After, or {@code null}. */
    public Duration retryAfter() {
        return this.retryAfter;
    }

    boolean isClientError() {
        return this.status >= 400 && this.status < 500;
    }

    boolean isServerError() {
        return this.status >= 500 && this.status < 600;
    }

    /**
     * A refusal of this one dump (400, 413, 415, 422...), which says nothing about the
     * collector's health: every 4xx but 408, 429 and those about the forwarder.
     */
    public boolean isAboutTheDump() {
        return isClientError() && this.status != 408 && this.status != 429 && !isAboutTheForwarder();
    }

    /**
     * A rejection of the forwarder itself, which every dump would get: 401 and 407 (its
     * credentials), 403 (its rights), 404 and 405 (its URL and method), 411, 421 and 426
     * (how it sends). Fixed by whoever runs the forwarder or the collector, not by
     * another dump: held and tried again like an outage.
     */
    boolean isAboutTheForwarder() {
        return switch (this.status) {
            case 401, 403, 404, 405, 407, 411, 421, 426 -> true;
            default -> false;
        };
    }

    /**
     * Whether a later attempt may succeed: 408 (the collector timed the request out),
     * 429, 502, 503 and 504, and a rejection of the forwarder once it is fixed. A 500 is
     * not: it may be the dump's doing, and trying it again until max age would be a
     * poison pill.
     */
    boolean isRetryable() {
        return switch (this.status) {
            case 408, 429, 502, 503, 504 -> true;
            default -> isAboutTheForwarder();
        };
    }

    /** Whether the collector says it is overloaded: 429, 503 and 504. */
    boolean isOverload() {
        return this.status == 429 || this.status == 503 || this.status == 504;
    }

    /** The statuses whose {@code Retry-After} pauses all sending: 429 and 503. */
    private static boolean asksForPause(int status) {
        return status == 429 || status == 503;
    }

}
