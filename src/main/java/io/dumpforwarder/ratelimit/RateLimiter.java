package io.dumpforwarder.ratelimit;

import java.time.Duration;
import java.util.Locale;

import io.dumpforwarder.config.BatchProperties;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.stereotype.Component;

/**
 * The rate limit on requests to the collector ({@code forwarder.rate-limiter.*}): a token
 * bucket of {@code rate} tokens a second and {@code burst} tokens at most, taken as the
 * callers' {@code golang.org/x/time/rate} takes them ({@link Reservation}). With
 * {@code scope: pod} the bucket is this JVM's; with {@code scope: cluster} it is one
 * bucket in Redis that every replica shares ({@link SharedBucket}), and this pod's own at
 * {@code fallback-rate} while Redis cannot be reached. Ingest never waits on any of it.
 */
@Component
public class RateLimiter implements DisposableBean {

    private final RateLimitProperties settings;

    private final boolean perDump;

    private final long maxWaitNanos;

    /** The pod's bucket: the only one with scope pod, the fallback with scope cluster. */
    private final Bucket local;

    private final SharedBucket shared;

    private final RateLimitMeters meters;

    RateLimiter(RateLimitProperties settings, BatchProperties batch, MeterRegistry registry,
            ObjectProvider<DataRedisConnectionDetails> redis, ObjectProvider<DataRedisProperties> redisProperties,
            ObjectProvider<ClientResources> redisResources) {
        if (settings.enabled() && settings.unit() == RateLimitProperties.Unit.DUMPS && batch.enabled()
                && batch.maxDumps() > settings.burst()) {
            throw new InvalidConfigurationPropertyValueException("forwarder.batch.max-dumps", batch.maxDumps(),
                    "forwarder.batch.max-dumps is above forwarder.rate-limiter.burst with "
                            + "forwarder.rate-limiter.unit=dumps: a full batch would need more tokens than the bucket holds");
        }
        this.settings = settings;
        this.perDump = this.settings.unit() == RateLimitProperties.Unit.DUMPS;
        this.maxWaitNanos = this.settings.maxWait().toNanos();
        boolean cluster = this.settings.enabled() && this.settings.scope() == RateLimitProperties.Scope.CLUSTER;
        this.local = Bucket.builder()
            .addLimit(bandwidth(cluster ? this.settings.fallbackRate() : this.settings.rate()))
            .build();
        this.meters = new RateLimitMeters(registry, this::isFallingBack);
        this.shared = cluster ? new SharedBucket(redis.getObject(), redisProperties.getObject(),
                redisResources.getObject(), key(this.settings),
                BucketConfiguration.builder().addLimit(bandwidth(this.settings.rate())).build(), this.settings,
                this.meters) : null;
    }

    private Bandwidth bandwidth(int rate) {
        return Bandwidth.builder().capacity(this.settings.burst()).refillGreedy(rate, Duration.ofSeconds(1)).build();
    }

    /**
     * The key of the shared bucket: its settings are part of it, so replicas with other
     * settings (during a rolling update) never rewrite each other's bucket.
     */
    static String key(RateLimitProperties settings) {
        return settings.key() + ":" + settings.rate() + ":" + settings.burst() + ":"
                + settings.unit().name().toLowerCase(Locale.ROOT);
    }

    boolean isFallingBack() {
        return this.shared != null && this.shared.isFallingBack();
    }

    /** Whether attempts take tokens at all. */
    public boolean isEnabled() {
        return this.settings.enabled();
    }

    /**
     * Completes once the rate limit lets an attempt go, or fails with
     * {@link RateLimitedException}.
     * @param dumps how many dumps the attempt carries
     * @param expiresAt {@link System#nanoTime()} when its oldest dump passes max age; no
     * wait for tokens lasts past it
     */
    public Mono<Void> take(int dumps, long expiresAt) {
        return tokens(this.perDump ? dumps : 1,
                Math.max(0, Math.min(this.maxWaitNanos, expiresAt - System.nanoTime())));
    }

    /**
     * The longest {@link #take} may take: the wait for tokens and, with scope cluster,
     * two calls to Redis (the bucket, then the take) before it falls back to the pod's
     * bucket.
     */
    public long longestTakeNanos() {
        return this.maxWaitNanos + ((this.shared != null) ? 2 * this.settings.redisTimeout().toNanos() : 0);
    }

    private Mono<Void> tokens(long tokens, long maxWaitNanos) {
        long start = System.nanoTime();
        Mono<Void> taken = (this.shared != null)
                ? this.shared.take(tokens, maxWaitNanos, () -> fromLocal(tokens, maxWaitNanos))
                : fromLocal(tokens, maxWaitNanos);
        return taken.doOnSuccess((done) -> this.meters.granted(tokens, start))
            .doOnError(RateLimitedException.class, (refusal) -> this.meters.refused(tokens));
    }

    private Mono<Void> fromLocal(long tokens, long maxWaitNanos) {
        return Reservation.take(this.local.asScheduler(), tokens, maxWaitNanos, (back) -> {
            this.local.addTokens(back);
            this.meters.returned(back);
        }, () -> {
        });
    }

    @Override
    public void destroy() {
        if (this.shared != null) {
            this.shared.close();
        }
    }

}
