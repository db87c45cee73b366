package io.dumpforwarder.config;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits on callers of the ingest port ({@code forwarder.ingest.*}); who the callers are
 * is the caller package's ({@code forwarder.ingest.callers.*},
 * {@code forwarder.ingest.auth.*}).
 *
 * @param readTimeout longest silence while a request is being received; the connection is
 * then closed
 * @param requestTimeout longest time to receive a whole request, headers and body; a body
 * still arriving then is refused 408 {@code too_slow}
 * @param writeTimeout longest time to write an answer to a caller that does not take it
 * (a full TCP window, an HTTP/2 flow-control window at 0); then the connection is closed,
 * all of its HTTP/2 streams with it
 * @param maxInflightBytes bytes of request bodies being received and held at once, over
 * all requests; a request that would pass it gets 503 {@code inflight_full} before its
 * body is buffered. Unset: an eighth of the heap, at least
 * {@code forwarder.max-request-size} (see {@link MemoryBounds#bodyBytes()})
 * @param minBodyRate the slowest a body may arrive, in bytes a second on average, once it
 * has taken longer than the read timeout; a slower one is refused 408 {@code too_slow}
 * and its connection closed, so a trickling caller holds little of the body budget for
 * little time
 * @param maxConnections ingest connections open at once at most; past it a new connection
 * is closed as soon as it is accepted
 * @param http2 HTTP/2 on the ingest port, beside HTTP/1.1
 * @param protobuf binary protobuf dumps, read against a descriptor and forwarded as JSON
 */
@Validated
@ConfigurationProperties("forwarder.ingest")
// @formatter:off
public record IngestProperties(
        @DefaultValue("5s") @NotNull Duration readTimeout,
        @DefaultValue("30s") @NotNull Duration requestTimeout,
        @DefaultValue("5s") @NotNull Duration writeTimeout,
        DataSize maxInflightBytes,
        @DefaultValue("1KB") @NotNull DataSize minBodyRate,
        @DefaultValue("10000") @Positive int maxConnections,
        @DefaultValue @Valid Http2 http2,
        @DefaultValue @Valid Protobuf protobuf) {
    // @formatter:on

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

}
