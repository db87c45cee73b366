package io.dumpforwarder.ingest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Closes a connection whose request line and headers have not all arrived within the
 * request timeout of their first byte (a slowloris caller trickling headers). Reactor
 * Netty's request timeout starts once the headers are in, and its idle timeout only
 * between requests. One instance per connection: {@link #bytes()} goes before the HTTP
 * codec and starts the clock on a request's first byte, {@link #requests()} after it and
 * stops the clock when the head is decoded; the clock may start again once the answer is
 * written.
 */
final class RequestHeadDeadline {

    private final long timeoutNanos;

    private final IngestMetrics metrics;

    private boolean inRequest;

    /** Heads decoded on this connection so far. */
    private long heads;

    private ScheduledFuture<?> deadline;

    RequestHeadDeadline(Duration timeout, IngestMetrics metrics) {
        this.timeoutNanos = timeout.toNanos();
        this.metrics = metrics;
    }

    /**
     * Before the codec: bytes read while no request is being read start the clock, unless
     * they hold a whole head, as they almost always do: then no timer is set at all.
     */
    ChannelInboundHandlerAdapter bytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext context, Object message) {
                boolean between = message instanceof ByteBuf && !RequestHeadDeadline.this.inRequest
                        && RequestHeadDeadline.this.deadline == null;
                long heads = RequestHeadDeadline.this.heads;
                context.fireChannelRead(message);
                if (between && heads == RequestHeadDeadline.this.heads && !RequestHeadDeadline.this.inRequest
                        && RequestHeadDeadline.this.deadline == null && context.channel().isActive()) {
                    RequestHeadDeadline.this.deadline = context.executor()
                        .schedule(() -> expire(context), RequestHeadDeadline.this.timeoutNanos, TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext context) {
                stop();
                context.fireChannelInactive();
            }
        };
    }

    /**
     * After the codec: a decoded head stops the clock; the end of its answer lets the
     * next request start it.
     */
    ChannelDuplexHandler requests() {
        return new ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext context, Object message) {
                if (message instanceof HttpRequest) {
                    RequestHeadDeadline.this.inRequest = true;
                    RequestHeadDeadline.this.heads++;
                    stop();
                }
                context.fireChannelRead(message);
            }

            @Override
            public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
                if (message instanceof LastHttpContent) {
                    RequestHeadDeadline.this.inRequest = false;
                }
                context.write(message, promise);
            }
        };
    }

    private void expire(ChannelHandlerContext context) {
        this.deadline = null;
        // A connection upgraded to h2c has no HTTP/1.1 codec left: its streams have their
        // own timeouts.
        if (!this.inRequest && context.pipeline().get(HttpServerCodec.class) != null) {
            this.metrics.refusedByTheCodec(408);
            context.close();
        }
    }

    private void stop() {
        if (this.deadline != null) {
            this.deadline.cancel(false);
            this.deadline = null;
        }
    }

}
