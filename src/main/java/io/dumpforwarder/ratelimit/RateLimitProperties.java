package io.dumpforwarder.ratelimit;

import java.time.Duration;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The rate limit on requests to the collector ({@code forwarder.rate-limiter.*}).
 *
 * @param enabled apply it
 * @param rate tokens added a second
 * @param burst tokens the bucket holds at most
 * @param unit what a token stands for: one dump (a batch of 100 takes 100) or one request
 * @param maxWait longest wait for tokens; an attempt whose tokens would come later fails
 * at once as {@code rate_limited}. Never past the oldest dump's max age
 * @param scope {@code pod}: a bucket in each pod; {@code cluster}: one bucket in Redis
 * shared by every replica ({@code spring.data.redis.*})
 * @param fallbackRate with scope cluster, the rate of the pod's own bucket while Redis
 * cannot be reached: the rate divided by the replicas expected
 * @param key with scope cluster, the prefix of the shared bucket's Redis key
 * @param redisTimeout with scope cluster, the longest a call to Redis may take before the
 * pod falls back to its own bucket
 */
@Validated
@ConfigurationProperties("forwarder.rate-limiter")
// @formatter:off
public record RateLimitProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("1000") @Min(1) int rate,
        @DefaultValue("100") @Min(1) int burst,
        @DefaultValue("dumps") @NotNull Unit unit,
        @DefaultValue("100ms") @NotNull Duration maxWait,
        @DefaultValue("pod") @NotNull Scope scope,
        @Min(1) Integer fallbackRate,
        @DefaultValue("dump-forwarder:rate-limit") @NotNull String key,
        @DefaultValue("200ms") @NotNull Duration redisTimeout) {
    // @formatter:on

    @AssertTrue(message = "forwarder.rate-limiter.fallback-rate must be set with forwarder.rate-limiter.scope=cluster "
            + "(the rate divided by the replicas expected), and max-wait must not be negative")
    boolean isFallbackRateGiven() {
        return !this.maxWait.isNegative()
                && (!this.enabled || this.scope != Scope.CLUSTER || this.fallbackRate != null);
    }

    /** What one token of the rate limit stands for. */
    public enum Unit {

        /** One dump: a batch takes as many tokens as it carries dumps. */
        DUMPS,
        /** One request to the collector, whatever it carries. */
        REQUESTS

    }

    /** Where the bucket lives. */
    public enum Scope {

        /** In each pod: N replicas send N times the rate. */
        POD,
        /** In Redis, one for every replica. */
        CLUSTER

    }

}
