package io.dumpforwarder.ingest;

import java.io.IOException;

import io.dumpforwarder.util.LogWindow;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a caller's HTTP/2 connection (on HTTP/1.1, Reactor Netty's own
 * handler takes them first): the errors of the connection itself, which no request sees
 * (an HTTP/2 protocol error, a rapid reset past
 * {@code forwarder.ingest.http2.max-resets}, a reset by the peer). Each is counted by
 * kind in {@code dumps_ingest_connection_errors_total} and the connection closed (by
 * HTTP/2 itself, after a GOAWAY naming the error, for an HTTP/2 error); they are logged
 * at WARN at most {@code forwarder.log.failures-per-second} lines a second, without a
 * stack trace, as they are the caller's doing (a connection reset by the peer at DEBUG
 * only). One stream's error passes on to the streams' handler.
 */
@ChannelHandler.Sharable
final class ConnectionErrors extends ChannelInboundHandlerAdapter {

    static final String NAME = "dumpforwarder.connectionErrors";

    private static final Logger logger = LoggerFactory.getLogger(ConnectionErrors.class);

    private final IngestMetrics metrics;

    private final LogWindow window;

    ConnectionErrors(IngestMetrics metrics, int linesPerSecond) {
        this.metrics = metrics;
        this.window = new LogWindow(linesPerSecond);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof Http2FrameStreamException) {
            // One stream's error, for the streams' handler: after this one only on a
            // connection upgraded to h2c.
            context.fireExceptionCaught(cause);
            return;
        }
        String kind = kind(cause);
        this.metrics.connectionError(kind);
        if (cause instanceof IOException) {
            // A caller that went away: nothing to warn about.
            logger.debug("Connection from {} closed: {}", context.channel().remoteAddress(), cause.toString());
            context.close();
            return;
        }
        long suppressed = this.window.tryAcquire();
        if (suppressed >= 0) {
            logger.atWarn()
                .addKeyValue("kind", kind)
                .addKeyValue("suppressed", suppressed)
                .log("Connection from {} closed on a {} error: {}; {} similar lines suppressed since the last one",
                        context.channel().remoteAddress(), kind, cause.toString(), suppressed);
        }
        if (!(cause instanceof Http2Exception)) {
            // HTTP/2 closes the connection itself, after its GOAWAY naming the error.
            context.close();
        }
    }

    /** The {@code kind} label of an error. */
    static String kind(Throwable cause) {
        if (cause instanceof Http2Exception) {
            return "http2";
        }
        return (cause instanceof IOException) ? "io" : "other";
    }

}
