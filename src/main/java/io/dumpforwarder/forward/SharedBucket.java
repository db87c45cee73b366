package io.dumpforwarder.forward;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

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

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * The one bucket every replica takes from, kept in Redis by Bucket4j (compare-and-swap on
 * one key). The connection is opened asynchronously on first use and again after a failed
 * attempt, never on an event loop's time; while Redis is unreachable every call fails
 * fast, and the caller falls back to its pod-local bucket.
 */
final class SharedBucket implements AutoCloseable {

    private final RedisClient client;

    private final RedisURI uri;

    private final String key;

    private final BucketConfiguration configuration;

    private final Duration timeout;

    private final AtomicReference<CompletableFuture<AsyncBucketProxy>> bucket = new AtomicReference<>();

    SharedBucket(DataRedisConnectionDetails redis, ClientResources resources, boolean ssl, String key,
            BucketConfiguration configuration, Duration timeout) {
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
    }

    /** The bucket, connecting first if no connection is open or being opened. */
    CompletableFuture<AsyncBucketProxy> bucket() {
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
