package io.dumpforwarder.ratelimit;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The rate limit's {@code dumps.rate.limit*} meters. */
final class RateLimitMeters {

    private final Counter granted;

    private final Counter refused;

    private final Counter returned;

    private final Timer waits;

    private final Timer redisCalls;

    private final Counter fallbacks;

    RateLimitMeters(MeterRegistry registry, BooleanSupplier fallingBack) {
        this.granted = tokens(registry, "granted", "Tokens taken for requests to the collector");
        this.refused = tokens(registry, "refused",
                "Tokens refused at once: they would only come after forwarder.rate-limiter.max-wait or max age");
        this.returned = tokens(registry, "returned", "Tokens given back by a wait that was cancelled");
        this.waits = Timer.builder("dumps.rate.limit.wait")
            .description("Time from asking for a request's tokens to holding them: the wait for them (at most "
                    + "forwarder.rate-limiter.max-wait) and, with scope cluster, the call to Redis")
            .register(registry);
        this.redisCalls = Timer.builder("dumps.rate.limit.redis")
            .description("Calls to the shared bucket in Redis (forwarder.rate-limiter.scope: cluster)")
            .register(registry);
        this.fallbacks = Counter.builder("dumps.rate.limit.fallbacks")
            .description("Times Redis could not be reached and this pod fell back to its own bucket")
            .register(registry);
        // Held strongly: a gauge holds its object weakly, and nothing else holds this
        // one.
        Gauge.builder("dumps.rate.limit.fallback", fallingBack, (falling) -> falling.getAsBoolean() ? 1 : 0)
            .strongReference(true)
            .description("1 while this pod uses its own bucket at forwarder.rate-limiter.fallback-rate because "
                    + "Redis cannot be reached")
            .register(registry);
    }

    private static Counter tokens(MeterRegistry registry, String result, String description) {
        return Counter.builder("dumps.rate.limit.tokens")
            .description(description)
            .tag("result", result)
            .register(registry);
    }

    void granted(long tokens, long startNanos) {
        this.granted.increment(tokens);
        this.waits.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void refused(long tokens) {
        this.refused.increment(tokens);
    }

    void returned(long tokens) {
        this.returned.increment(tokens);
    }

    void redisAnswered(long startNanos) {
        this.redisCalls.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void fellBack() {
        this.fallbacks.increment();
    }

}
