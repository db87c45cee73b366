package io.dumpforwarder.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;

/**
 * Counts the HTTP/2 streams that HTTP/2 itself refuses as malformed, most before any
 * handler sees a request on them ({@code dumps_ingest_streams_malformed_total}): a header
 * list over {@code server.max-http-request-header-size} (answered 431 first), a header
 * block not valid in HTTP/2 (a name in capitals, a connection header), a body longer than
 * its {@code content-length}. Netty refuses each with one
 * {@code RST_STREAM PROTOCOL_ERROR} and tells no handler, so this counts those frames as
 * they go out, on the connection's side of the HTTP/2 codec (whose frame writer writes
 * each reset as a buffer of its own).
 */
final class StreamRefusals extends ChannelOutboundHandlerAdapter {

    private static final int RST_STREAM_LENGTH = 13;

    private static final int RST_STREAM = 0x3;

    private final IngestMetrics metrics;

    private StreamRefusals(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    /** Puts the counting on an HTTP/2 connection's pipeline, if it has HTTP/2's codec. */
    static void count(ChannelPipeline pipeline, IngestMetrics metrics) {
        ChannelHandlerContext codec = pipeline.context(Http2FrameCodec.class);
        if (codec != null) {
            pipeline.addBefore(codec.name(), "dumpforwarder.streamRefusals", new StreamRefusals(metrics));
        }
    }

    @Override
    public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
        if (message instanceof ByteBuf frame && frame.readableBytes() == RST_STREAM_LENGTH) {
            int at = frame.readerIndex();
            if (frame.getUnsignedMedium(at) == 4 && frame.getByte(at + 3) == RST_STREAM
                    && frame.getUnsignedInt(at + 9) == Http2Error.PROTOCOL_ERROR.code()) {
                this.metrics.streamMalformed();
            }
        }
        context.write(message, promise);
    }

}
