package io.dumpforwarder.ingest;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.dumpforwarder.config.IngestProperties;
import io.dumpforwarder.config.LogProperties;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.AsciiString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Hooks;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.Http2;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * The ingest server's connections: limits on callers that Spring Boot has no property for
 * (a caller that sends a request byte by byte, or never finishes it, headers included, is
 * cut off; past {@code forwarder.ingest.max-connections} a new connection is closed at
 * once), and the two things about them that no handler sees: how many are open, and the
 * requests the HTTP codec refuses before any handler runs (400, 413, 414, 431), counted
 * by status and answered with a problem. Reactor Netty's own per-request server metrics
 * stay off: ingest records each request once, itself.
 */
@Configuration(proxyBeanMethods = false)
class IngestServerConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(IngestServerConfiguration.class);

    private static final AsciiString PROBLEM_JSON = AsciiString.cached("application/problem+json");

    /*
     * A body that stalls past the read timeout fails after its request was answered
     * (counted invalid already): Reactor would log each such late error as an ERROR with
     * its stack trace. Those are the callers' doing, logged at DEBUG at most once a
     * second; any other dropped error stays an ERROR. Reactor's hook is global and
     * cumulative: set once, when this class is loaded.
     */
    static {
        AtomicLong lastLogged = new AtomicLong();
        Hooks.onErrorDropped((error) -> {
            if (!(error instanceof ReadTimeoutException) && !(error instanceof AbortedException)
                    && !(error instanceof RequestDeadline.RequestTimeoutException)) {
                logger.error("Operator called default onErrorDropped", error);
            }
            else if (logger.isDebugEnabled()) {
                long now = System.nanoTime();
                long last = lastLogged.get();
                if (now - last > TimeUnit.SECONDS.toNanos(1) && lastLogged.compareAndSet(last, now)) {
                    logger.debug("A caller's connection failed after its request was answered: {}", error.toString());
                }
            }
        });
    }

    @Bean
    NettyServerCustomizer ingestLimits(IngestProperties ingest, LogProperties log, IngestMetrics metrics,
            Replies replies) {
        ConnectionErrors errors = new ConnectionErrors(metrics, log.failuresPerSecond());
        OpenStreams streams = new OpenStreams(metrics, ingest.http2().maxStreams());
        return (server) -> withHttp2(server, ingest.http2()).readTimeout(ingest.readTimeout())
            .doOnConnection((connection) -> {
                // An HTTP/2 stream whose request is about to be handed on: the bound on
                // open streams, then the request's deadlines.
                if (connection.channel() instanceof Http2StreamChannel stream) {
                    stream.pipeline()
                        .addAfter(NettyPipeline.HttpTrafficHandler, RequestDeadline.NAME, deadline(ingest, metrics))
                        .addAfter(NettyPipeline.HttpTrafficHandler, OpenStreams.NAME, streams);
                }
            })
            .doOnChannelInit((observer, channel, remoteAddress) -> {
                if (!metrics.connectionOpened(ingest.maxConnections())) {
                    channel.close();
                    return;
                }
                channel.closeFuture().addListener((closed) -> metrics.connectionClosed());
                boolean tls = channel.pipeline().get(NettyPipeline.SslHandler) != null;
                ConnectionProtocol protocol = new ConnectionProtocol(tls, metrics, (spoken, pipeline) -> {
                    if (spoken.equals(ConnectionProtocol.HTTP_1_1)) {
                        guardHttp1(pipeline, ingest, metrics, replies);
                    }
                    else {
                        StreamRefusals.count(pipeline, metrics);
                    }
                    pipeline.addLast(ConnectionErrors.NAME, errors);
                });
                if (tls) {
                    channel.pipeline().addAfter(NettyPipeline.SslHandler, "dumpforwarder.protocol", protocol);
                }
                else {
                    channel.pipeline().addFirst("dumpforwarder.protocol", protocol);
                }
            });
    }

    /**
     * HTTP/2 beside HTTP/1.1, as {@code server.http2.enabled} turns it on: h2 by ALPN on
     * a port with TLS, h2c on a plain one. Ordered last, so
     * {@code forwarder.ingest.http2.enabled} decides.
     */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> ingestHttp2(IngestProperties ingest) {
        return (factory) -> {
            Http2 http2 = new Http2();
            http2.setEnabled(ingest.http2().enabled());
            factory.setHttp2(http2);
        };
    }

    /**
     * The bounds of HTTP/2: streams per connection, and the header list as HTTP/1.1's
     * headers are ({@code server.max-http-request-header-size}).
     */
    private static HttpServer withHttp2(HttpServer server, IngestProperties.Http2 http2) {
        if (!http2.enabled()) {
            return server;
        }
        long headerListSize = server.configuration().decoder().maxHeaderSize();
        return server.http2Settings((settings) -> settings.maxConcurrentStreams(http2.maxConcurrentStreams())
            .maxHeaderListSize(headerListSize)
            .maxDecodedRstFramesPerWindow(http2.maxResets(), Math.toIntExact(http2.resetWindow().toSeconds())));
    }

    /**
     * The guards of an HTTP/1.1 connection around its codec: the deadline on request
     * heads, and the codec's refusals as problems.
     */
    private static void guardHttp1(ChannelPipeline pipeline, IngestProperties ingest, IngestMetrics metrics,
            Replies replies) {
        ChannelHandlerContext codecContext = pipeline.context(HttpServerCodec.class);
        if (codecContext == null) {
            return;
        }
        String codec = codecContext.name();
        RequestHeadDeadline heads = new RequestHeadDeadline(ingest.requestTimeout(), metrics);
        pipeline.addBefore(codec, "dumpforwarder.headBytes", heads.bytes())
            .addAfter(codec, "dumpforwarder.codecRefusals", new CodecRefusals(metrics, replies))
            .addAfter(codec, "dumpforwarder.heads", heads.requests())
            .addAfter(codec, RequestDeadline.NAME, deadline(ingest, metrics))
            .addAfter(codec, "dumpforwarder.upgrades", new BodiesStayHttp11());
    }

    private static RequestDeadline deadline(IngestProperties ingest, IngestMetrics metrics) {
        return new RequestDeadline(ingest.requestTimeout(), ingest.writeTimeout(), metrics);
    }

    /**
     * An {@code Upgrade: h2c} request with a body is served as the HTTP/1.1 request it
     * is, its Upgrade ignored (RFC 9110 7.8 lets a server do so): Netty's upgrade would
     * buffer the whole body outside every limit, or refuse it with a bare 413.
     */
    static final class BodiesStayHttp11 extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            if (message instanceof HttpRequest request && request.decoderResult().isSuccess()
                    && request.headers().contains(HttpHeaderNames.UPGRADE)
                    && (HttpUtil.getContentLength(request, 0L) != 0 || HttpUtil.isTransferEncodingChunked(request))) {
                request.headers().remove(HttpHeaderNames.UPGRADE);
            }
            context.fireChannelRead(message);
        }

    }

    /**
     * Counts each request the codec could not decode, and gives the answer Reactor Netty
     * then sends (with an empty body, before the connection closes) an RFC 9457 problem
     * saying why, as every other refusal has.
     */
    static final class CodecRefusals extends ChannelDuplexHandler {

        private final IngestMetrics metrics;

        private final Replies replies;

        /** Why the codec refused the last request, while its answer is not yet sent. */
        private Throwable refused;

        CodecRefusals(IngestMetrics metrics, Replies replies) {
            this.metrics = metrics;
            this.replies = replies;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            if (message instanceof HttpObject decoded && decoded.decoderResult().isFailure()) {
                this.refused = decoded.decoderResult().cause();
                this.metrics.refusedByTheCodec(status(decoded.decoderResult()));
            }
            context.fireChannelRead(message);
        }

        @Override
        public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
            Throwable cause = this.refused;
            if (cause != null && message instanceof FullHttpResponse response && response.content().readableBytes() == 0
                    && response.status().code() >= 400) {
                this.refused = null;
                int status = response.status().code();
                byte[] body = this.replies.codecProblem(status, response.status().reasonPhrase(),
                        detail(status, cause));
                FullHttpResponse problem = response.replace(Unpooled.wrappedBuffer(body));
                response.release();
                problem.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, PROBLEM_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                context.write(problem, promise);
                return;
            }
            context.write(message, promise);
        }

        private static String detail(int status, Throwable cause) {
            return switch (status) {
                case 414 -> "the request line is longer than server.netty.max-initial-line-length";
                case 431 -> "the headers are larger than server.max-http-request-header-size";
                case 413 -> "the request is too large: " + cause.getMessage();
                default -> "the request is not valid HTTP/1.1: " + cause.getMessage();
            };
        }

        /** The status Reactor Netty answers a decoding failure with. */
        private static int status(DecoderResult result) {
            Throwable cause = result.cause();
            if (cause instanceof TooLongHttpLineException) {
                return 414;
            }
            if (cause instanceof TooLongHttpHeaderException) {
                return 431;
            }
            return (cause instanceof TooLongFrameException) ? 413 : 400;
        }

    }

}
