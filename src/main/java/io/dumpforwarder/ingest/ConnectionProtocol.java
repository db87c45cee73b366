package io.dumpforwarder.ingest;

import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Tells, once per connection, which protocol the caller speaks, counts it, and on an
 * HTTP/1.1 connection has the guards of HTTP/1.1 put around its codec. On a plain port
 * the first bytes tell: HTTP/2's connection preface is h2c with prior knowledge, anything
 * else HTTP/1.1 (an h2c upgrade starts as HTTP/1.1); with TLS, the pipeline that ALPN has
 * built once the handshake is done. It has the guards of that protocol put on the
 * pipeline once it is built (for h2c, once the preface has built it), and leaves it.
 */
final class ConnectionProtocol extends ChannelInboundHandlerAdapter {

    static final String HTTP_1_1 = "http/1.1";

    static final String H2C = "h2c";

    static final String H2 = "h2";

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII);

    private final boolean tls;

    private final IngestMetrics metrics;

    /** Puts the guards of the protocol named on the pipeline built for it. */
    private final BiConsumer<String, ChannelPipeline> guards;

    ConnectionProtocol(boolean tls, IngestMetrics metrics, BiConsumer<String, ChannelPipeline> guards) {
        this.tls = tls;
        this.metrics = metrics;
        this.guards = guards;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        boolean h2c = false;
        if (!this.tls && message instanceof ByteBuf bytes) {
            int matching = matchingPreface(bytes);
            h2c = matching == PREFACE.length;
            if (!h2c && matching < bytes.readableBytes()) {
                decided(context, HTTP_1_1);
            }
            // else: the bytes so far may still be the preface; the next ones tell.
        }
        context.fireChannelRead(message);
        if (h2c) {
            // The preface has had the pipeline of HTTP/2 built.
            decided(context, H2C);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
        context.fireUserEventTriggered(event);
        if (this.tls && event instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()) {
            // ALPN has built the pipeline of the protocol it chose.
            decided(context, (context.pipeline().get(HttpServerCodec.class) != null) ? HTTP_1_1 : H2);
        }
    }

    private void decided(ChannelHandlerContext context, String protocol) {
        this.metrics.connectionSpeaks(protocol);
        this.guards.accept(protocol, context.pipeline());
        context.pipeline().remove(this);
    }

    /** How many of the first bytes agree with the preface. */
    private static int matchingPreface(ByteBuf bytes) {
        int length = Math.min(bytes.readableBytes(), PREFACE.length);
        for (int i = 0; i < length; i++) {
            if (bytes.getByte(bytes.readerIndex() + i) != PREFACE[i]) {
                return i;
            }
        }
        return length;
    }

}
