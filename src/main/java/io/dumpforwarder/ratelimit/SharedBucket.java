package io.dumpforwarder.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;

/**
 * The one bucket every replica takes from, kept in Redis by Bucket4j (compare-and-swap on
 * one key), and the switch to this pod's own bucket while Redis cannot be reached
 * ({@link Fallback}). The connection is opened asynchronously on first use and again
 * after a failed call, never on an event loop's time; while Redis is unreachable every
 * call fails fast.
 */
final class SharedBucket implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(SharedBucket.class);

    private final RedisClient client;

    private final RedisURI uri;

    private final String key;

    private final BucketConfiguration configuration;

    private final Duration timeout;

    private final AtomicReference<CompletableFuture<AsyncBucketProxy>> bucket = new AtomicReference<>();

    private final Fallback fallback = new Fallback();

    private final RateLimitMeters meters;

    private final int fallbackRate;

    SharedBucket(DataRedisConnectionDetails redis, DataRedisProperties properties, ClientResources resources,
            String key, BucketConfiguration configuration, RateLimitProperties settings, RateLimitMeters meters) {
        Duration timeout = settings.redisTimeout();
        boolean ssl = usesTls(properties);
        DataRedisConnectionDetails.Standalone standalone = redis.getStandalone();
        RedisURI.Builder uri = RedisURI.builder()
            .withHost(standalone.getHost())
            .withPort(standalone.getPort())
            .withDatabase(standalone.getDatabase())
            .withSsl(ssl)
            .withTimeout(timeout);
        if (redis.getPassword() != null) {
            if (redis.getUsername() != null) {
                uri.withAuthentication(redis.getUsername(), redis.getPassword());
            }
            else {
                uri.withPassword(redis.getPassword().toCharArray());
            }
        }
        this.uri = uri.build();
        this.client = RedisClient.create(resources);
        // Commands while disconnected fail at once instead of queueing until the timeout.
        this.client.setOptions(ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .build());
        this.key = key;
        this.configuration = configuration;
        this.timeout = timeout;
        this.meters = meters;
        this.fallbackRate = settings.fallbackRate();
        // Connects now, in the background, so that the first forwards find Redis ready.
        bucket();
    }

    /** TLS when spring.data.redis.ssl.enabled is set, or the URL is rediss://. */
    private static boolean usesTls(DataRedisProperties redis) {
        return redis.getSsl().isEnabled() || (redis.getUrl() != null && redis.getUrl().startsWith("rediss://"));
    }

    boolean isFallingBack() {
        return this.fallback.isFallingBack();
    }

    /**
     * Takes the tokens from this bucket while Redis answers, else from this pod's.
     * @param tokens how many tokens
     * @param maxWaitNanos the longest wait for them
     * @param local takes them from this pod's bucket
     */
    Mono<Void> take(long tokens, long maxWaitNanos, Supplier<Mono<Void>> local) {
        long start = System.nanoTime();
        if (!this.fallback.useShared(start)) {
            return local.get();
        }
        // Calls to Redis go out from a parallel worker and come back to one: never on the
        // thread that admitted the dump (ingest), never holding Lettuce's own thread.
        return Mono.fromFuture(this::bucket, true)
            .timeout(this.timeout)
            .flatMap((redis) -> Reservation.take(redis.asScheduler(), tokens, maxWaitNanos, (back) -> {
                redis.addTokens(back);
                this.meters.returned(back);
            }, () -> answered(start)))
            .subscribeOn(Schedulers.parallel())
            .publishOn(Schedulers.parallel())
            .onErrorResume((error) -> !(error instanceof RateLimitedException), (error) -> {
                failed(error);
                return local.get();
            });
    }

    private void answered(long start) {
        this.meters.redisAnswered(start);
        if (this.fallback.answered(start)) {
            logger.info("Redis is reachable again: rate limit back on the shared bucket");
        }
    }

    private void failed(Throwable error) {
        if (this.fallback.failed(System.nanoTime())) {
            this.meters.fellBack();
            logger.atWarn()
                .addKeyValue("fallbackRate", this.fallbackRate)
                .log("Redis cannot be reached ({}): rate limit falls back to this pod's bucket at {} per second",
                        error.toString(), this.fallbackRate);
        }
    }

    /** The bucket, connecting first if no connection is open or being opened. */
    private CompletableFuture<AsyncBucketProxy> bucket() {
        CompletableFuture<AsyncBucketProxy> current = this.bucket.get();
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        CompletableFuture<AsyncBucketProxy> next = new CompletableFuture<>();
        if (!this.bucket.compareAndSet(current, next)) {
            return this.bucket.get();
        }
        RedisCodec<String, byte[]> codec = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
        this.client.connectAsync(codec, this.uri).whenComplete((connection, error) -> {
            if (error != null) {
                next.completeExceptionally(error);
            }
            else {
                next.complete(proxy(connection));
            }
        });
        return next;
    }

    private AsyncBucketProxy proxy(StatefulRedisConnection<String, byte[]> connection) {
        return Bucket4jLettuce.casBasedBuilder(connection)
            .requestTimeout(this.timeout)
            // A bucket left full and unused expires; until then a restart continues it.
            .expirationAfterWrite(
                    ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
            .build()
            .asAsync()
            .builder()
            // Concurrent takes of this pod go to Redis as one compare-and-swap, not as
            // many that fail against each other and retry.
            .withOptimization(Optimizations.batching())
            .build(this.key, this.configuration);
    }

    @Override
    public void close() {
        this.client.shutdownAsync();
    }

}
