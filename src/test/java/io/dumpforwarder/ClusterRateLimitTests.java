package io.dumpforwarder;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

import io.dumpforwarder.support.Load;
import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.RedisServer;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The rate limit shared by every replica through a real Redis: two instances together
 * send the collector the cluster's rate, not twice it, and an instance that loses Redis
 * falls back to its own bucket without an ingest error, then goes back to the shared one.
 */
class ClusterRateLimitTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static final TestCollector collector = new TestCollector();

    private static RedisServer redis;

    private String key;

    @BeforeAll
    static void startRedis() throws IOException {
        redis = new RedisServer();
    }

    @AfterAll
    static void stop() {
        redis.close();
        collector.close();
    }

    @BeforeEach
    void freshBucket() {
        collector.reset();
        this.key = "test:" + UUID.randomUUID();
    }

    @Test
    void twoReplicasTogetherSendTheClusterRate() {
        try (RunningApp first = start(); RunningApp second = start()) {
            Load one = new Load(first.port());
            Load other = new Load(second.port());
            long offeredFrom = System.nanoTime();

            Mono.when(one.offer(1000, Duration.ofMillis(2)), other.offer(1000, Duration.ofMillis(2)))
                .block(Duration.ofSeconds(60));

            assertThat(one.answered(202)).isEqualTo(1000);
            assertThat(other.answered(202)).isEqualTo(1000);
            Meters a = first.meters();
            Meters b = second.meters();
            await().atMost(WAIT).until(() -> settled(a) == 1000 && settled(b) == 1000);
            RateLimiterTests.assertRate(collector.arrivals(), offeredFrom, 200, 20);
            assertThat(a.forwarded("success") + b.forwarded("success")).isEqualTo(collector.requestCount());
            assertThat(a.count("dumps.rate.limit.fallbacks") + b.count("dumps.rate.limit.fallbacks")).isZero();
        }
    }

    @Test
    void losingRedisFallsBackAtOnceWithoutAnIngestErrorAndTheSharedBucketResumes() throws Exception {
        try (RunningApp app = start()) {
            Meters meters = app.meters();
            Load load = new Load(app.port());
            Mono<Void> offered = load.offer(2000, Duration.ofMillis(5)).cache();
            offered.subscribe();
            // The shared bucket in use: Redis has answered, and the pod is not falling
            // back.
            await().atMost(WAIT).until(() -> redisCalls(meters) > 20 && meters.gauge("dumps.rate.limit.fallback") == 0);
            double fallbacks = meters.count("dumps.rate.limit.fallbacks");

            redis.stop();
            await().atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> meters.gauge("dumps.rate.limit.fallback") == 1);
            assertThat(meters.count("dumps.rate.limit.fallbacks")).isEqualTo(fallbacks + 1);
            long fromRedis = redisCalls(meters);

            redis.start();
            await().atMost(WAIT).until(() -> meters.gauge("dumps.rate.limit.fallback") == 0);
            await().atMost(WAIT).until(() -> redisCalls(meters) > fromRedis);

            offered.block(Duration.ofSeconds(60));
            assertThat(load.answered(202)).isEqualTo(2000);
            await().atMost(WAIT).until(() -> settled(meters) == 2000);
            assertThat(meters.forwarded("error")).isZero();
        }
    }

    private static long redisCalls(Meters meters) {
        return meters.timer("dumps.rate.limit.redis").count();
    }

    private static long settled(Meters meters) {
        return meters.forwarded("success") + meters.forwarded("rate_limited");
    }

    private RunningApp start() {
        return RunningApp.start("--forwarder.dump-url=" + collector.url(), "--forwarder.rate-limiter.enabled=true",
                "--forwarder.rate-limiter.scope=cluster", "--forwarder.rate-limiter.rate=200",
                "--forwarder.rate-limiter.burst=20", "--forwarder.rate-limiter.max-wait=100ms",
                "--forwarder.rate-limiter.fallback-rate=100", "--forwarder.rate-limiter.key=" + this.key,
                "--spring.data.redis.port=" + redis.port(), "--forwarder.retry.enabled=false",
                "--" + AbstractServiceTests.BREAKER_NEVER_OPENS);
    }

}
