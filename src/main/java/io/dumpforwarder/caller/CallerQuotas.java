package io.dumpforwarder.caller;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

import org.springframework.stereotype.Component;

/**
 * The optional rate quota of each caller ({@code forwarder.ingest.callers.rates.*}): a
 * token bucket of this pod's per caller (Bucket4j), a token a dump. Taking never waits: a
 * request over its caller's quota is refused, told when the bucket will hold its dumps.
 */
@Component
public class CallerQuotas {

    /** The answer when no bucket could ever hold the request: it is over the burst. */
    public static final long NEVER = -1;

    private final Map<String, Bucket> buckets = new HashMap<>();

    public CallerQuotas(CallersProperties callers) {
        callers.rates()
            .forEach((caller, rate) -> this.buckets.put(caller,
                    Bucket.builder()
                        .addLimit(Bandwidth.builder()
                            .capacity(rate.burst())
                            .refillGreedy(rate.rate(), Duration.ofSeconds(1))
                            .build())
                        .build()));
    }

    /**
     * Takes the caller's tokens for these dumps.
     * @return 0 when taken (or the caller has no quota), else the nanoseconds until its
     * bucket holds them, or {@link #NEVER} when they are more than its burst
     */
    public long take(String caller, int dumps) {
        Bucket bucket = this.buckets.get(caller);
        if (bucket == null) {
            return 0;
        }
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(dumps);
        if (probe.isConsumed()) {
            return 0;
        }
        long wait = probe.getNanosToWaitForRefill();
        return (wait == Long.MAX_VALUE) ? NEVER : Math.max(1, wait);
    }

}
