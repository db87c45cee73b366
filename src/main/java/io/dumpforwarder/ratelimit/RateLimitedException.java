package io.dumpforwarder.ratelimit;

/**
 * The tokens of an attempt would only be in the bucket after its deadline
 * ({@code forwarder.rate-limiter.max-wait}, or its oldest dump's max age): it fails at
 * once, having waited for nothing.
 */
public class RateLimitedException extends RuntimeException {

    RateLimitedException(long tokens, long maxWaitNanos) {
        super("rate limited: " + tokens + " tokens not within " + (maxWaitNanos / 1_000_000) + " ms", null, false,
                false);
    }

}
