package io.dumpforwarder.ingest;

import io.dumpforwarder.config.ForwarderProperties;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import reactor.netty.NettyPipeline;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The ingest server's connections: limits on callers that Spring Boot has no property for
 * (a caller that sends a request byte by byte, or never finishes it, is cut off), and the
 * two things about them that no handler sees: how many are open, and the requests the
 * HTTP codec refuses before any handler runs (400, 414, 431), counted by status. Reactor
 * Netty's own per-request server metrics stay off: ingest records each request once,
 * itself.
 */
@Configuration(proxyBeanMethods = false)
class IngestServerConfiguration {

    @Bean
    NettyServerCustomizer ingestLimits(ForwarderProperties properties, IngestMetrics metrics) {
        ForwarderProperties.Ingest ingest = properties.ingest();
        CodecRefusals refusals = new CodecRefusals(metrics);
        return (server) -> server.readTimeout(ingest.readTimeout())
            .requestTimeout(ingest.requestTimeout())
            .doOnChannelInit((observer, channel, remoteAddress) -> {
                metrics.connectionOpened();
                channel.closeFuture().addListener((closed) -> metrics.connectionClosed());
                if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                    channel.pipeline().addAfter(NettyPipeline.HttpCodec, "dumpforwarder.codecRefusals", refusals);
                }
            });
    }

    /**
     * Counts each request the codec could not decode; Reactor Netty then answers it and
     * closes the connection.
     */
    @ChannelHandler.Sharable
    static final class CodecRefusals extends ChannelInboundHandlerAdapter {

        private final IngestMetrics metrics;

        CodecRefusals(IngestMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            if (message instanceof HttpRequest request && request.decoderResult().isFailure()) {
                this.metrics.refusedByTheCodec(status(request.decoderResult()));
            }
            context.fireChannelRead(message);
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
