package io.dumpforwarder.forward;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.config.ForwarderProperties;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.stereotype.Component;

/**
 * The rate limit on requests to the collector ({@code forwarder.rate-limiter.*}): a token
 * bucket of {@code rate} tokens a second and {@code burst} tokens at most, taken as the
 * callers' {@code golang.org/x/time/rate} takes them ({@link Reservation}). With
 * {@code scope: pod} the bucket is this JVM's; with {@code scope: cluster} it is one
 * bucket in Redis that every replica shares. When Redis cannot be reached, this pod falls
 * back to a bucket of its own at {@code fallback-rate}, and tries Redis again once a
 * second; ingest never waits on any of it.
 */
@Component
class TokenBucket implements DisposableBean {

    private static final Logger logger = LoggerFactory.getLogger(TokenBucket.class);

    private static final long RETRY_SHARED_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ForwarderProperties.RateLimit settings;

    private final boolean perDump;

    private final long maxWaitNanos;

    /** The pod's bucket: the only one with scope pod, the fallback with scope cluster. */
    private final Bucket local;

    private final SharedBucket shared;

    /**
     * {@link System#nanoTime()} from which the shared bucket is tried again; 0 while it
     * is in use.
     */
    private final AtomicLong retrySharedAt = new AtomicLong();

    private final Counter granted;

    private final Counter refused;

    private final Counter returned;

    private final Timer waits;

    private final Timer redisCalls;

    private final Counter fallbacks;

    TokenBucket(ForwarderProperties properties, MeterRegistry registry,
            ObjectProvider<DataRedisConnectionDetails> redis, ObjectProvider<DataRedisProperties> redisProperties,
            ObjectProvider<ClientResources> redisResources) {
        this.settings = properties.rateLimiter();
        this.perDump = this.settings.unit() == ForwarderProperties.RateLimit.Unit.DUMPS;
        this.maxWaitNanos = this.settings.maxWait().toNanos();
        boolean cluster = this.settings.enabled()
                && this.settings.scope() == ForwarderProperties.RateLimit.Scope.CLUSTER;
        int localRate = cluster ? this.settings.fallbackRate() : this.settings.rate();
        this.local = Bucket.builder().addLimit(bandwidth(localRate)).build();
        this.shared = cluster ? new SharedBucket(redis.getObject(), redisResources.getObject(),
                usesTls(redisProperties.getObject()), key(this.settings),
                BucketConfiguration.builder().addLimit(bandwidth(this.settings.rate())).build(),
                this.settings.redisTimeout()) : null;
        if (this.shared != null) {
            // Connects now, in the background, so that the first forwards find Redis
            // ready.
            this.shared.bucket();
        }
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
        Gauge.builder("dumps.rate.limit.fallback", this, (bucket) -> bucket.isFallingBack() ? 1 : 0)
            .description("1 while this pod uses its own bucket at forwarder.rate-limiter.fallback-rate because "
                    + "Redis cannot be reached")
            .register(registry);
    }

    /** TLS when spring.data.redis.ssl.enabled is set, or the URL is rediss://. */
    private static boolean usesTls(DataRedisProperties redis) {
        return redis.getSsl().isEnabled() || (redis.getUrl() != null && redis.getUrl().startsWith("rediss://"));
    }

    private Bandwidth bandwidth(int rate) {
        return Bandwidth.builder().capacity(this.settings.burst()).refillGreedy(rate, Duration.ofSeconds(1)).build();
    }

    /**
     * The key of the shared bucket: its settings are part of it, so replicas with other
     * settings (during a rolling update) never rewrite each other's bucket.
     */
    static String key(ForwarderProperties.RateLimit settings) {
        return settings.key() + ":" + settings.rate() + ":" + settings.burst() + ":"
                + settings.unit().name().toLowerCase(Locale.ROOT);
    }

    private static Counter tokens(MeterRegistry registry, String result, String description) {
        return Counter.builder("dumps.rate.limit.tokens")
            .description(description)
            .tag("result", result)
            .register(registry);
    }

    boolean isFallingBack() {
        return this.retrySharedAt.get() != 0;
    }

    /**
     * The attempt, once the rate limit lets it go (unless the limit is off).
     * @param attempt the attempt
     * @param dumps how many dumps it carries
     * @param expiresAt {@link System#nanoTime()} when its oldest dump passes max age; no
     * wait for tokens lasts past it
     */
    <T> Mono<T> around(Mono<T> attempt, int dumps, long expiresAt) {
        if (!this.settings.enabled()) {
            return attempt;
        }
        return Mono
            .defer(() -> take(this.perDump ? dumps : 1,
                    Math.max(0, Math.min(this.maxWaitNanos, expiresAt - System.nanoTime()))))
            .then(attempt);
    }

    private Mono<Void> take(long tokens, long maxWaitNanos) {
        long start = System.nanoTime();
        Mono<Void> taken = useShared() ? fromShared(tokens, maxWaitNanos) : fromLocal(tokens, maxWaitNanos);
        return taken.doOnSuccess((done) -> {
            this.granted.increment(tokens);
            this.waits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }).doOnError(RateLimitedException.class, (refusal) -> this.refused.increment(tokens));
    }

    private Mono<Void> fromLocal(long tokens, long maxWaitNanos) {
        return Reservation.take(this.local.asScheduler(), tokens, maxWaitNanos, this::giveBackLocal, () -> {
        });
    }

    private void giveBackLocal(long tokens) {
        this.local.addTokens(tokens);
        this.returned.increment(tokens);
    }

    private Mono<Void> fromShared(long tokens, long maxWaitNanos) {
        long start = System.nanoTime();
        // Calls to Redis go out from a parallel worker and come back to one: never on the
        // thread that admitted the dump (ingest), never holding Lettuce's own thread.
        return Mono.fromFuture(this.shared::bucket, true)
            .timeout(this.settings.redisTimeout())
            .flatMap((bucket) -> Reservation.take(bucket.asScheduler(), tokens, maxWaitNanos,
                    (back) -> giveBackShared(bucket, back), () -> answeredByRedis(start)))
            .subscribeOn(Schedulers.parallel())
            .publishOn(Schedulers.parallel())
            .onErrorResume((error) -> !(error instanceof RateLimitedException), (error) -> {
                fallBack(error);
                return fromLocal(tokens, maxWaitNanos);
            });
    }

    private void answeredByRedis(long start) {
        this.redisCalls.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        long retryAt = this.retrySharedAt.get();
        // Only a call made since the last retry was claimed proves Redis is back: one in
        // flight when it went away may still answer.
        if (retryAt != 0 && start - (retryAt - RETRY_SHARED_NANOS) >= 0
                && this.retrySharedAt.compareAndSet(retryAt, 0)) {
            logger.info("Redis is reachable again: rate limit back on the shared bucket");
        }
    }

    private void giveBackShared(AsyncBucketProxy bucket, long tokens) {
        bucket.addTokens(tokens);
        this.returned.increment(tokens);
    }

    /**
     * Whether to take from the shared bucket: while it works, and once a second while it
     * does not (one attempt claims the retry, the others stay on the pod's bucket).
     */
    private boolean useShared() {
        if (this.shared == null) {
            return false;
        }
        long retryAt = this.retrySharedAt.get();
        if (retryAt == 0) {
            return true;
        }
        long now = System.nanoTime();
        return now - retryAt >= 0 && this.retrySharedAt.compareAndSet(retryAt, now + RETRY_SHARED_NANOS);
    }

    private void fallBack(Throwable error) {
        long retryAt = System.nanoTime() + RETRY_SHARED_NANOS;
        if (this.retrySharedAt.getAndUpdate((current) -> (current == 0) ? retryAt : current) == 0) {
            this.fallbacks.increment();
            logger.atWarn()
                .addKeyValue("fallbackRate", this.settings.fallbackRate())
                .log("Redis cannot be reached ({}): rate limit falls back to this pod's bucket at {} per second",
                        error.toString(), this.settings.fallbackRate());
        }
    }

    @Override
    public void destroy() {
        if (this.shared != null) {
            this.shared.close();
        }
    }

}
