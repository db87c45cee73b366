package io.dumpforwarder.ingest;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;

/**
 * Bounds the HTTP/2 streams open at once over all connections
 * ({@code forwarder.ingest.http2.max-streams}): each holds a request's state until its
 * answer is taken, and the per-connection bound alone lets enough connections hold more
 * than the heap. A stream past the bound is refused before any handler sees its request,
 * with {@code RST_STREAM REFUSED_STREAM}, which tells the caller that nothing of it was
 * processed and that it may send it again (RFC 9113 8.7). Put on each stream as its
 * request comes in; it leaves once it has let the request through.
 */
@ChannelHandler.Sharable
final class OpenStreams extends ChannelInboundHandlerAdapter {

    static final String NAME = "dumpforwarder.openStreams";

    private final IngestMetrics metrics;

    private final int max;

    OpenStreams(IngestMetrics metrics, int max) {
        this.metrics = metrics;
        this.max = max;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (message instanceof HttpRequest) {
            context.pipeline().remove(this);
            if (!this.metrics.streamOpened(this.max)) {
                ReferenceCountUtil.release(message);
                context.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                return;
            }
            context.channel().closeFuture().addListener((closed) -> this.metrics.streamClosed());
        }
        context.fireChannelRead(message);
    }

}
