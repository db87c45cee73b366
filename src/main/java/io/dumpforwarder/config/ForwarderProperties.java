package io.dumpforwarder.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every {@code forwarder.*} setting, bound once at start-up and validated so that a bad
 * value fails the start with the key's name instead of failing the first request. The
 * breakers are tuned under {@code resilience4j.circuitbreaker.*} in YAML, not here; the
 * rate limiter is {@code forwarder.rate-limiter.*}, here.
 *
 * @param dumpUrl where dumps are POSTed; required unless the demo collector is enabled
 * @param maxDumpSize largest accepted dump (one JSON body or one NDJSON line)
 * @param maxRequestSize largest accepted NDJSON request body
 * @param maxConcurrency forwards in flight at most; also the size of the collector
 * connection pool
 * @param concurrency whether forwards in flight are fixed at the maximum or set by an
 * adaptive limit below it
 * @param maxAge a dump that waited longer than this in the queue is dropped as
 * {@code expired}
 * @param ingest limits on callers of the ingest port
 * @param queue bounds of the in-memory queue
 * @param client collector HTTP client timeouts and pool
 * @param batch sending many dumps in one request to the collector
 * @param compression encoding of the request body sent to the collector
 * @param retryAfter how a collector's {@code Retry-After} pauses sending
 * @param retry retries of failed forwards
 * @param circuitOpen what becomes of a forward the open circuit breaker refuses
 * @param rateLimiter the rate limit on requests to the collector
 * @param shutdown graceful shutdown
 * @param log failure log throttling
 * @param demo the embedded demo collector
 * @param buffer where accepted dumps wait to be forwarded: this pod's memory or Kafka
 */
// @formatter:off (one component a line)
@Validated
@WithinHeap
@ConfigurationProperties("forwarder")
public record ForwarderProperties(
        @NotNull(message = DUMP_URL_REQUIRED) URI dumpUrl,
        @DefaultValue("1MB") @NotNull DataSize maxDumpSize,
        @DefaultValue("16MB") @NotNull DataSize maxRequestSize,
        @DefaultValue("100") @Min(1) @Max(10_000) int maxConcurrency,
        @DefaultValue @Valid Concurrency concurrency,
        @DefaultValue("30s") @NotNull Duration maxAge,
        @DefaultValue @Valid Ingest ingest,
        @DefaultValue @Valid Queue queue,
        @DefaultValue @Valid Client client,
        @DefaultValue @Valid Batch batch,
        @DefaultValue("none") @NotNull Compression compression,
        @DefaultValue @Valid RetryAfter retryAfter,
        @DefaultValue @Valid Retry retry,
        @DefaultValue("hold") @NotNull CircuitOpen circuitOpen,
        @DefaultValue @Valid RateLimit rateLimiter,
        @DefaultValue @Valid Shutdown shutdown,
        @DefaultValue @Valid Log log,
        @DefaultValue @Valid Demo demo,
        @DefaultValue @Valid Buffer buffer) {
    // @formatter:on

    static final String DUMP_URL_REQUIRED = "forwarder.dump-url must be set (or start with "
            + "--spring.profiles.active=demo to use the embedded demo collector)";

    /**
     * Share of the JVM's heap that the bounds on bodies and dumps may take together; the
     * rest is the service's own working memory (framework, metrics, parsing, garbage
     * between collections).
     */
    public static final double HEAP_SHARE = 0.8;

    public ForwarderProperties {
        if (dumpUrl == null && demo.enabled()) {
            dumpUrl = URI.create("http://127.0.0.1:" + demo.port() + "/dumps");
        }
        if (buffer.type() == Buffer.Type.KAFKA) {
            // A durable buffer keeps dumps far longer than memory can.
            maxAge = buffer.kafka().maxAge();
        }
        if (ingest.maxInflightBytes() == null) {
            // An eighth of the heap, but never less than one body of the largest size
            // accepted.
            long share = Runtime.getRuntime().maxMemory() / 8;
            ingest = ingest.withMaxInflightBytes(DataSize.ofBytes(Math.max(share, maxRequestSize.toBytes())));
        }
    }

    /** The setting the max age in force comes from, for what a log line says. */
    public String maxAgeKey() {
        return (this.buffer.type() == Buffer.Type.KAFKA) ? "forwarder.buffer.kafka.max-age" : "forwarder.max-age";
    }

    @AssertTrue(message = "forwarder.ingest.max-inflight-bytes must be at least forwarder.max-request-size, "
            + "or a body of the largest accepted size would be refused for ever")
    boolean isLargestBodyReceivable() {
        return this.ingest.maxInflightBytes().toBytes() >= this.maxRequestSize.toBytes();
    }

    /**
     * The most heap the bounds let bodies and dumps take at once: the dumps held (waiting
     * or being forwarded; bodies sent to the collector are views over them, or gzip
     * copies no larger), and bodies being received, each of which may briefly exist twice
     * (the body and the dumps cut from it).
     */
    public long boundedBytes() {
        long held = this.queue.maxBytes().toBytes() * ((this.compression == Compression.GZIP) ? 2 : 1);
        return held + 2 * this.ingest.maxInflightBytes().toBytes();
    }

    @AssertTrue(message = "forwarder.dump-url must be an absolute http:// or https:// URL with a host")
    boolean isDumpUrlHttp() {
        return this.dumpUrl == null || (this.dumpUrl.getHost() != null
                && ("http".equals(this.dumpUrl.getScheme()) || "https".equals(this.dumpUrl.getScheme())));
    }

    @AssertTrue(message = "forwarder.max-dump-size must be positive and at most forwarder.max-request-size")
    boolean isMaxDumpSizeWithinRequestSize() {
        return this.maxDumpSize.toBytes() > 0 && this.maxDumpSize.toBytes() <= this.maxRequestSize.toBytes()
                && this.maxRequestSize.toBytes() <= Integer.MAX_VALUE;
    }

    @AssertTrue(message = "forwarder.batch.max-dumps is above forwarder.rate-limiter.burst with "
            + "forwarder.rate-limiter.unit=dumps: a full batch would need more tokens than the bucket holds")
    boolean isBatchWithinBurst() {
        return !this.rateLimiter.enabled() || this.rateLimiter.unit() != RateLimit.Unit.DUMPS || !this.batch.enabled()
                || this.batch.maxDumps() <= this.rateLimiter.burst();
    }

    @AssertTrue(message = "forwarder.concurrency.min-limit must be at most forwarder.max-concurrency")
    boolean isMinLimitWithinMaxConcurrency() {
        return this.concurrency.minLimit() <= this.maxConcurrency;
    }

    /**
     * Forwards in flight ({@code forwarder.concurrency.*}).
     *
     * @param mode {@code fixed}: up to max-concurrency forwards in flight;
     * {@code adaptive}: a limit that a Vegas algorithm moves between min-limit and
     * max-concurrency from the collector's round-trip times
     * @param minLimit the adaptive limit's floor
     * @param initialLimit the adaptive limit at start-up, within min-limit and
     * max-concurrency
     */
    // @formatter:off
    public record Concurrency(
            @DefaultValue("fixed") @NotNull Mode mode,
            @DefaultValue("1") @Min(1) int minLimit,
            @DefaultValue("20") @Min(1) int initialLimit) {
        // @formatter:on

        /** How the number of forwards in flight is set. */
        public enum Mode {

            /** Up to {@code forwarder.max-concurrency}, like the callers' semaphore. */
            FIXED,
            /** Up to an adaptive limit below {@code forwarder.max-concurrency}. */
            ADAPTIVE

        }

    }

    /**
     * Limits on callers of the ingest port ({@code forwarder.ingest.*}).
     *
     * @param readTimeout longest silence while a request is being received; the
     * connection is then closed
     * @param requestTimeout longest time to receive a whole request, headers and body; a
     * body still arriving then is refused 408 {@code too_slow}
     * @param writeTimeout longest time to write an answer to a caller that does not take
     * it (a full TCP window, an HTTP/2 flow-control window at 0); then the connection is
     * closed, all of its HTTP/2 streams with it
     * @param auth bearer-token authentication of callers
     * @param maxInflightBytes bytes of request bodies being received and held at once,
     * over all requests; a request that would pass it gets 503 {@code inflight_full}
     * before its body is buffered. Unset: an eighth of the heap, at least
     * {@code forwarder.max-request-size}
     * @param minBodyRate the slowest a body may arrive, in bytes a second on average,
     * once it has taken longer than the read timeout; a slower one is refused 408
     * {@code too_slow} and its connection closed, so a trickling caller holds little of
     * the body budget for little time
     * @param maxConnections ingest connections open at once at most; past it a new
     * connection is closed as soon as it is accepted
     * @param http2 HTTP/2 on the ingest port, beside HTTP/1.1
     * @param callers who is calling, and the optional quotas of each caller
     * @param protobuf binary protobuf dumps, read against a descriptor and forwarded as
     * JSON
     */
    // @formatter:off
    public record Ingest(
            @DefaultValue("5s") @NotNull Duration readTimeout,
            @DefaultValue("30s") @NotNull Duration requestTimeout,
            @DefaultValue("5s") @NotNull Duration writeTimeout,
            @DefaultValue @Valid Auth auth,
            DataSize maxInflightBytes,
            @DefaultValue("1KB") @NotNull DataSize minBodyRate,
            @DefaultValue("10000") @Positive int maxConnections,
            @DefaultValue @Valid Http2 http2,
            @DefaultValue @Valid Callers callers,
            @DefaultValue @Valid Protobuf protobuf) {
        // @formatter:on

        Ingest withMaxInflightBytes(DataSize bytes) {
            return new Ingest(this.readTimeout, this.requestTimeout, this.writeTimeout, this.auth, bytes,
                    this.minBodyRate, this.maxConnections, this.http2, this.callers, this.protobuf);
        }

    }

    /**
     * Binary protobuf dumps ({@code forwarder.ingest.protobuf.*}): off unless a
     * descriptor set and a message type are given. Each dump is forwarded as the JSON the
     * callers' Go code sends ({@code jsoniter.Marshal} of the {@code protoc-gen-go}
     * struct).
     *
     * @param descriptorSet a file of {@code protoc --include_imports
     * --descriptor_set_out}, e.g. mounted from a ConfigMap
     * @param messageType the full name of the dumps' message, e.g.
     * {@code pbrrec.AlgorithmRecomDumpReq}
     * @param uidField the field holding the dump's uid: a field name, or names joined by
     * dots through singular message fields
     * @param traceIdField the field holding the dump's trace id, likewise
     */
    // @formatter:off
    public record Protobuf(
            Path descriptorSet,
            String messageType,
            @DefaultValue("uid") @NotBlank String uidField,
            @DefaultValue("trace_id") @NotBlank String traceIdField) {
        // @formatter:on

        public Protobuf {
            messageType = (messageType == null || messageType.isBlank()) ? null : messageType;
        }

        /** Whether protobuf dumps are taken. */
        public boolean enabled() {
            return this.descriptorSet != null;
        }

        @AssertTrue(message = "forwarder.ingest.protobuf.descriptor-set and forwarder.ingest.protobuf.message-type "
                + "go together: give both to take protobuf dumps, or neither")
        boolean isComplete() {
            return (this.descriptorSet == null) == (this.messageType == null);
        }

    }

    /**
     * HTTP/2 on the ingest port ({@code forwarder.ingest.http2.*}): h2c with prior
     * knowledge (and by upgrade) beside HTTP/1.1 on a plain port; h2 by ALPN beside
     * HTTP/1.1 when the port has TLS ({@code server.ssl.*}). Every stream is a request
     * with the limits and answers of HTTP/1.1; the read and request timeouts apply per
     * stream.
     *
     * @param enabled serve HTTP/2 beside HTTP/1.1
     * @param maxConcurrentStreams streams a connection may have open at once; a caller
     * opening more gets them refused (RST_STREAM) by HTTP/2 itself
     * @param maxStreams streams open at once over all connections (each holds its
     * request's state, about 12 KB, until its answer is taken); past it a new stream is
     * refused ({@code RST_STREAM REFUSED_STREAM}, which a client may send again)
     * @param maxResets streams a caller may reset (RST_STREAM) on one connection within
     * {@code reset-window}; one more closes the connection (GOAWAY), as a rapid-reset
     * attack
     * @param resetWindow the window {@code max-resets} counts over
     */
    // @formatter:off
    public record Http2(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("128") @Positive int maxConcurrentStreams,
            @DefaultValue("1024") @Positive int maxStreams,
            @DefaultValue("100") @Positive int maxResets,
            @DefaultValue("10s") @NotNull Duration resetWindow) {
        // @formatter:on

        @AssertTrue(message = "forwarder.ingest.http2.reset-window must be whole seconds, at least 1s")
        boolean isResetWindowInSeconds() {
            return this.resetWindow.toSeconds() >= 1 && this.resetWindow.toMillis() % 1000 == 0;
        }

    }

    /**
     * Who is calling ({@code forwarder.ingest.callers.*}): with authentication on, the
     * name its token carries; else the header below, when it names a configured caller.
     * Only these names, {@code default}, {@code other} and {@code unknown} ever become a
     * {@code caller} label.
     *
     * @param header with authentication off, the request header that names the caller; a
     * value that is not one of {@code names} is {@code other}, none is {@code unknown}
     * @param names the callers the header may name (at most 64; letters, digits, '.', '_'
     * and '-')
     * @param rates optional quotas by caller name: a token bucket of {@code rate} dumps a
     * second and {@code burst} at most; past it a request is refused 429
     * {@code caller_rate_limited} with the bucket's own Retry-After
     * @param fairShareFrom how full the queue (in dumps or bytes, whichever is fuller),
     * the body budget or the Kafka producer's unacknowledged bytes are before a caller
     * holding more than its share of them is refused 429 {@code over_share}
     * @param weights each caller's weight in the shares of the queue and in the turns the
     * pipeline takes from it; 1 for a caller not listed
     */
    // @formatter:off
    public record Callers(
            @DefaultValue("X-Caller") @NotBlank String header,
            @DefaultValue @Size(max = 64) List<@Pattern(regexp = CALLER_NAME) String> names,
            @DefaultValue Map<String, @Valid CallerRate> rates,
            @DefaultValue("0.5") @DecimalMin("0.0") @DecimalMax("1.0") double fairShareFrom,
            @DefaultValue Map<String, @Positive Integer> weights) {
        // @formatter:on

        /** What a caller's name may be made of. */
        public static final String CALLER_NAME = "[A-Za-z0-9._-]{1,64}";

    }

    /**
     * One caller's quota ({@code forwarder.ingest.callers.rates.<name>.*}).
     *
     * @param rate dumps a second, on average
     * @param burst dumps at most at once (the bucket's size); at least the largest
     * request's number of dumps, else such a request is always refused
     */
    // @formatter:off
    public record CallerRate(
            @Positive int rate,
            @Positive int burst) {
        // @formatter:on
    }

    /**
     * Bearer-token authentication of callers ({@code forwarder.ingest.auth.*}).
     *
     * @param enabled require {@code Authorization: Bearer <token>} on the ingest API
     * @param tokens accepted tokens (e.g. from FORWARDER_INGEST_AUTH_TOKENS=a,b); an
     * entry {@code name:token} names the caller it identifies, a bare token is caller
     * {@code default}
     * @param tokensFile a file of accepted tokens, one per line (e.g. a mounted
     * Kubernetes Secret), each {@code name:token} or bare; read again within a second or
     * two of a change, a change that leaves it unusable keeping the last good tokens
     */
    // @formatter:off
    public record Auth(
            @DefaultValue("false") boolean enabled,
            @DefaultValue List<String> tokens,
            Path tokensFile) {
        // @formatter:on

        @AssertTrue(message = "forwarder.ingest.auth.enabled needs forwarder.ingest.auth.tokens "
                + "or forwarder.ingest.auth.tokens-file")
        boolean isTokenSourceGiven() {
            return !this.enabled || !this.tokens.isEmpty() || this.tokensFile != null;
        }

    }

    /**
     * Bounds of the in-memory queue ({@code forwarder.queue.*}).
     *
     * @param capacity dumps held at most while they wait to be forwarded
     * @param maxBytes bytes of dump bodies held at most while they wait
     * @param retryAfter the {@code Retry-After} a caller gets with a 503 when the queue
     * is full
     */
    // @formatter:off
    public record Queue(
            @DefaultValue("10000") @Min(1) int capacity,
            @DefaultValue("64MB") @NotNull DataSize maxBytes,
            @DefaultValue("1s") @NotNull Duration retryAfter) {
        // @formatter:on
    }

    /**
     * The collector's HTTP client ({@code forwarder.client.*}).
     *
     * @param connectTimeout TCP connect timeout
     * @param connectRate connections opened to the collector a second at most, a tenth of
     * that at once; a connection that would wait longer than the connect timeout for its
     * turn fails as a connect error (which is retried)
     * @param responseTimeout time allowed between sending the request and each read of
     * the response
     * @param attemptTimeout total deadline of one forward, connect to last byte of the
     * response
     * @param idleTimeout how long an idle pooled connection is kept
     * @param maxLifetime how long a pooled connection is used at most: once older it is
     * closed when released, so a renewed client certificate, and the collector's DNS name
     * resolving to new addresses, reach every connection within it
     * @param evictInterval how often idle and closed connections are evicted in the
     * background
     * @param sslBundle name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.*})
     * with the CA to trust and, for mutual TLS, the client certificate; unset, https
     * trusts the JVM's trust store. With the bundle's {@code reload-on-update}, new
     * connections use its files as they change
     */
    // @formatter:off
    public record Client(
            @DefaultValue("500ms") @NotNull Duration connectTimeout,
            @DefaultValue("200") @Min(1) int connectRate,
            @DefaultValue("1s") @NotNull Duration responseTimeout,
            @DefaultValue("2s") @NotNull Duration attemptTimeout,
            @DefaultValue("10m") @NotNull Duration idleTimeout,
            @DefaultValue("30m") @NotNull Duration maxLifetime,
            @DefaultValue("30s") @NotNull Duration evictInterval,
            String sslBundle) {
        // @formatter:on

        public Client {
            sslBundle = (sslBundle == null || sslBundle.isBlank()) ? null : sslBundle;
        }

    }

    /**
     * Many dumps in one request to the collector ({@code forwarder.batch.*}).
     *
     * @param enabled send dumps as NDJSON batches, one request to the collector per batch
     * @param maxDumps dumps in one batch at most
     * @param maxBytes bytes of one batch's NDJSON body at most (before compression); a
     * dump that alone is larger is sent as a batch of one
     * @param maxWait longest time the first dump of a batch waits for the batch to fill
     */
    // @formatter:off
    public record Batch(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("100") @Min(1) @Max(10_000) int maxDumps,
            @DefaultValue("1MB") @NotNull DataSize maxBytes,
            @DefaultValue("20ms") @NotNull Duration maxWait) {
        // @formatter:on

        @AssertTrue(message = "forwarder.batch.max-bytes must be positive and at most 2GB, "
                + "forwarder.batch.max-wait positive")
        boolean isBounded() {
            return this.maxBytes.toBytes() > 0 && this.maxBytes.toBytes() <= Integer.MAX_VALUE
                    && !this.maxWait.isNegative() && !this.maxWait.isZero();
        }

    }

    /** How the request body sent to the collector is encoded. */
    public enum Compression {

        /** Sent as is. */
        NONE,
        /** gzip, with {@code Content-Encoding: gzip}. */
        GZIP

    }

    /**
     * How a collector's {@code Retry-After} pauses sending
     * ({@code forwarder.retry-after.*}).
     *
     * @param max longest pause of all sending a collector's {@code Retry-After} (on a 429
     * or 503) can cause; {@code 0s} ignores Retry-After
     */
    public record RetryAfter(@DefaultValue("30s") @NotNull Duration max) {

        @AssertTrue(message = "forwarder.retry-after.max must not be negative")
        boolean isMaxNotNegative() {
            return !this.max.isNegative();
        }

    }

    /**
     * Retries of failed forwards ({@code forwarder.retry.*}).
     *
     * @param enabled retry failed forwards that may succeed later, until the oldest
     * dump's max age
     * @param initialBackoff the ceiling of the first backoff; each later one doubles it,
     * up to the maximum, and the wait is drawn at random below the ceiling (full jitter)
     * @param maxBackoff the highest backoff ceiling
     * @param budgetRatio retries allowed as a fraction of first attempts over the budget
     * window (plus one)
     * @param budgetWindow the sliding window of the retry budget
     */
    // @formatter:off
    public record Retry(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("50ms") @NotNull Duration initialBackoff,
            @DefaultValue("1s") @NotNull Duration maxBackoff,
            @DefaultValue("0.1") @DecimalMin("0.0") @DecimalMax("1.0") double budgetRatio,
            @DefaultValue("10s") @NotNull Duration budgetWindow) {
        // @formatter:on

        @AssertTrue(message = "forwarder.retry backoffs must be positive with initial-backoff <= max-backoff, "
                + "and budget-window at least 1s")
        boolean isConsistent() {
            return !this.initialBackoff.isNegative() && !this.initialBackoff.isZero()
                    && this.initialBackoff.compareTo(this.maxBackoff) <= 0 && this.budgetWindow.toSeconds() >= 1;
        }

    }

    /** What becomes of a forward the open circuit breaker refuses. */
    public enum CircuitOpen {

        /**
         * Held until the breaker lets it through (or its oldest dump passes max age), the
         * queue filling meanwhile.
         */
        HOLD,
        /** Dropped at once, counted {@code circuit_open}, like the callers' Go client. */
        DROP

    }

    /**
     * The rate limit on requests to the collector ({@code forwarder.rate-limiter.*}).
     *
     * @param enabled apply it
     * @param rate tokens added a second
     * @param burst tokens the bucket holds at most
     * @param unit what a token stands for: one dump (a batch of 100 takes 100) or one
     * request
     * @param maxWait longest wait for tokens; an attempt whose tokens would come later
     * fails at once as {@code rate_limited}. Never past the oldest dump's max age
     * @param scope {@code pod}: a bucket in each pod; {@code cluster}: one bucket in
     * Redis shared by every replica ({@code spring.data.redis.*})
     * @param fallbackRate with scope cluster, the rate of the pod's own bucket while
     * Redis cannot be reached: the rate divided by the replicas expected
     * @param key with scope cluster, the prefix of the shared bucket's Redis key
     * @param redisTimeout with scope cluster, the longest a call to Redis may take before
     * the pod falls back to its own bucket
     */
    // @formatter:off
    public record RateLimit(
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

        @AssertTrue(
                message = "forwarder.rate-limiter.fallback-rate must be set with forwarder.rate-limiter.scope=cluster "
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

    /**
     * Where accepted dumps wait to be forwarded ({@code forwarder.buffer.*}).
     *
     * @param type {@code memory}: this pod's bounded queue, lost with the pod;
     * {@code kafka}: a Kafka topic that survives restarts and that every replica consumes
     * in one consumer group (Kafka's connection from {@code spring.kafka.*})
     * @param kafka the Kafka buffer
     */
    public record Buffer(@DefaultValue("memory") @NotNull Type type, @DefaultValue @Valid Kafka kafka) {

        /** Where accepted dumps wait. */
        public enum Type {

            /** This pod's memory. */
            MEMORY,
            /** A Kafka topic. */
            KAFKA

        }

        /**
         * The Kafka buffer ({@code forwarder.buffer.kafka.*}).
         *
         * @param topic the topic that holds accepted dumps; it must exist
         * @param sendTimeout longest wait for Kafka to acknowledge a request's dumps;
         * past it the caller gets 503 {@code buffer_unavailable}
         * @param maxAge a dump older than this since it was accepted is dropped as
         * {@code expired}; replaces {@code forwarder.max-age} with this buffer
         * @param redeliveryBackoff the wait before a dump whose forward ended without
         * settling it (timeout, 5xx, 408, 429, open breaker...) is forwarded again
         * @param deadLetterTopic where dumps that failed for good are written: refused by
         * the collector (a 4xx other than 408 and 429) or past the max age; it must
         * exist; empty: nowhere, they are only counted
         * @param replay replays of the dead letters or of the buffer
         */
        // @formatter:off
        public record Kafka(
                @DefaultValue("dumps") @NotBlank String topic,
                @DefaultValue("2s") @NotNull Duration sendTimeout,
                @DefaultValue("24h") @NotNull Duration maxAge,
                @DefaultValue("1s") @NotNull Duration redeliveryBackoff,
                @DefaultValue("") String deadLetterTopic,
                @DefaultValue @Valid Replay replay) {
            // @formatter:on

            /** The dead-letter topic, {@code null} when none is set. */
            public String deadLetters() {
                return (this.deadLetterTopic != null && !this.deadLetterTopic.isBlank()) ? this.deadLetterTopic : null;
            }

            /**
             * Replays ({@code forwarder.buffer.kafka.replay.*}), started with
             * {@code POST /actuator/replay}.
             *
             * @param rate dumps a replay puts in the queue per second at most, beside
             * normal forwarding
             */
            public record Replay(@DefaultValue("200") @Min(1) int rate) {
            }

        }

    }

    /**
     * Graceful shutdown ({@code forwarder.shutdown.*}).
     *
     * @param drainTimeout how long the queue and in-flight forwards may drain after
     * SIGTERM
     */
    public record Shutdown(@DefaultValue("10s") @NotNull Duration drainTimeout) {
    }

    /**
     * Throttling of the failure log ({@code forwarder.log.*}).
     *
     * @param failuresPerSecond forward failure lines logged per second and outcome; the
     * rest are counted and reported as suppressed
     */
    public record Log(@DefaultValue("5") @Min(0) int failuresPerSecond) {
    }

    /**
     * The embedded demo collector ({@code forwarder.demo.*}).
     *
     * @param enabled start the embedded demo collector (the {@code demo} profile does)
     * @param port port of the demo collector on 127.0.0.1
     */
    // @formatter:off
    public record Demo(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("8090") @Min(1) @Max(65535) int port) {
        // @formatter:on
    }

}
