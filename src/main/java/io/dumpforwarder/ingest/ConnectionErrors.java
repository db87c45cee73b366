package io.dumpforwarder.ingest;

import java.io.IOException;

import io.dumpforwarder.pipeline.LogWindow;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a caller's connection: the errors of the connection itself, which
 * no request sees (an HTTP/2 protocol error, a rapid reset past
 * {@code forwarder.ingest.http2.max-resets}, a reset by the peer). Each is counted by
 * kind in {@code dumps_ingest_connection_errors_total} and the connection closed; they
 * are logged at WARN at most {@code forwarder.log.failures-per-second} lines a second,
 * without a stack trace, as they are the caller's doing (a connection reset by the peer
 * at DEBUG only).
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
        context.close();
    }

    /** The {@code kind} label of an error. */
    static String kind(Throwable cause) {
        if (cause instanceof Http2Exception) {
            return "http2";
        }
        return (cause instanceof IOException) ? "io" : "other";
    }

}
