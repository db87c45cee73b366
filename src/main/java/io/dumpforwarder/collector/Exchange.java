package io.dumpforwarder.collector;

import java.net.URI;
import java.util.List;
import java.util.function.IntConsumer;

import io.dumpforwarder.config.BatchProperties;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.DumpKeys;
import io.dumpforwarder.trace.DumpTracing;
import io.micrometer.tracing.Span;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * One request to the collector and its answer: the dumps' body and the headers that
 * describe it go out, the answer's body is drained so the connection can be reused, and a
 * status other than 2xx fails the call with a {@link CollectorStatusException}.
 */
public final class Exchange {

    /** Most bytes of an answer's body read; collectors answer with little or nothing. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    static final String UID_HEADER = "X-Uid";

    static final String TRACE_ID_HEADER = "X-Trace-Id";

    static final String DUMP_COUNT_HEADER = "X-Dump-Count";

    static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    static final AsciiString NDJSON = AsciiString.cached("application/x-ndjson");

    /**
     * A POST to the dump URL, built once: each request only adds its headers and body.
     */
    private final HttpClient.RequestSender post;

    private final boolean batched;

    private final boolean gzip;

    private final DumpTracing tracing;

    public Exchange(HttpClient collectorHttpClient, DumpTracing tracing, ForwarderProperties properties,
            BatchProperties batch) {
        this(collectorHttpClient, tracing, properties, batch, properties.dumpUrl());
    }

    /** An exchange with another target than the dump URL: the warm-up's sink. */
    public Exchange(HttpClient collectorHttpClient, DumpTracing tracing, ForwarderProperties properties,
            BatchProperties batch, URI target) {
        this.post = collectorHttpClient.post().uri(target);
        this.tracing = tracing;
        this.batched = batch.enabled();
        this.gzip = properties.compression() == ForwarderProperties.Compression.GZIP;
    }

    /**
     * Sends the dumps in one request.
     * @param dumps one dump (unbatched) or a batch
     * @param span the attempt's span, whose {@code traceparent} the collector receives,
     * or {@code null}
     * @param answered given the collector's status when its answer starts to arrive
     * @return completes when the collector answered 2xx
     */
    public Mono<Void> send(List<Dump> dumps, Span span, IntConsumer answered) {
        return this.post.send((request, out) -> {
            this.tracing.inject(span, request.requestHeaders());
            return out.send(Mono.just(body(dumps, request.requestHeaders())));
        }).response((response, body) -> {
            answered.accept(response.status().code());
            return judge(response, body);
        }).then();
    }

    /**
     * The request's body, and the headers that describe it: one dump as it came in, or an
     * NDJSON batch, gzipped if so configured. Built as the request is written, for each
     * attempt, so a refused attempt costs nothing.
     */
    private ByteBuf body(List<Dump> dumps, HttpHeaders headers) {
        if (this.batched) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, NDJSON)
                .set(DUMP_COUNT_HEADER, dumps.size())
                .set(IDEMPOTENCY_KEY_HEADER, batchKey(dumps));
        }
        else {
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            identify(headers, dumps.get(0));
        }
        ByteBuf body;
        if (this.gzip) {
            headers.set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
            body = Unpooled.wrappedBuffer(DumpBodies.gzip(dumps, this.batched));
        }
        else {
            body = this.batched ? DumpBodies.ndjson(dumps) : Unpooled.wrappedBuffer(dumps.get(0).body());
        }
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return body;
    }

    /**
     * A batch's key: its first dump's key and its size, the same for every attempt of the
     * batch.
     */
    private static String batchKey(List<Dump> dumps) {
        return DumpKeys.bounded(dumps.get(0).key() + "+" + dumps.size());
    }

    private static void identify(HttpHeaders headers, Dump dump) {
        headers.set(IDEMPOTENCY_KEY_HEADER, dump.key());
        if (dump.uid() != null) {
            headers.set(UID_HEADER, dump.uid());
        }
        if (dump.traceId() != null) {
            headers.set(TRACE_ID_HEADER, dump.traceId());
        }
    }

    /**
     * Reads and drops the answer's body so the connection goes back to the pool, then
     * judges the status. A body longer than {@link #MAX_ANSWER_BYTES} is not read on: the
     * connection is closed instead.
     */
    private static Mono<Void> judge(HttpClientResponse response, ByteBufFlux body) {
        long[] read = { 0 };
        Mono<Void> drained = body.takeUntil((buffer) -> {
            read[0] += buffer.readableBytes();
            return read[0] > MAX_ANSWER_BYTES;
        }).then();
        int status = response.status().code();
        if (status >= 200 && status < 300) {
            return drained;
        }
        return drained.then(Mono
            .error(new CollectorStatusException(status, response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER))));
    }

}
