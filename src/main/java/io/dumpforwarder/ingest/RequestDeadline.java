package io.dumpforwarder.ingest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The deadlines of one request, on an HTTP/1.1 connection or an HTTP/2 stream, with at
 * most one timer armed at a time, on the connection's event loop: the request must be in
 * within {@code forwarder.ingest.request-timeout} of its head, and its answer written
 * within {@code forwarder.ingest.write-timeout} of its start. A request still arriving at
 * its deadline fails with {@link RequestTimeoutException} (ingest answers it 408
 * {@code too_slow}); an answer not written in time (a caller that does not read: a full
 * TCP window, an HTTP/2 flow-control window at 0) closes the connection, every stream of
 * it included.
 * <p>
 * In place of Reactor Netty's request timeout, whose timer outlives a request ended early
 * and holds its connection, its state and its body until it fires: this one is cancelled
 * when the connection closes or the stream is reset, so nothing of a request stays
 * reachable once it has ended, however it ended.
 */
final class RequestDeadline extends ChannelDuplexHandler {

    static final String NAME = "dumpforwarder.deadline";

    private final long requestNanos;

    private final long writeNanos;

    private final IngestMetrics metrics;

    private ScheduledFuture<?> timer;

    /** Whether a request is in and its answer not yet begun. */
    private boolean receiving;

    /** Whether the request's body is all in. */
    private boolean bodyIn;

    RequestDeadline(Duration request, Duration write, IngestMetrics metrics) {
        this.requestNanos = request.toNanos();
        this.writeNanos = write.toNanos();
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (message instanceof HttpRequest) {
            received(context);
        }
        if (message instanceof LastHttpContent) {
            this.bodyIn = true;
        }
        context.fireChannelRead(message);
    }

    @Override
    public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
        if (message instanceof HttpResponse response && response.status().code() != 100 && this.receiving) {
            this.receiving = false;
            arm(context, this.writeNanos);
        }
        if (message instanceof LastHttpContent && !this.receiving && this.timer != null) {
            ScheduledFuture<?> answer = this.timer;
            context.write(message, promise.unvoid()).addListener((written) -> {
                if (this.timer == answer) {
                    stop();
                }
            });
            return;
        }
        context.write(message, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        stop();
        context.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        stop();
    }

    private void received(ChannelHandlerContext context) {
        this.receiving = true;
        this.bodyIn = false;
        arm(context, this.requestNanos);
    }

    private void arm(ChannelHandlerContext context, long nanos) {
        stop();
        this.timer = context.executor().schedule(() -> expire(context), nanos, TimeUnit.NANOSECONDS);
    }

    private void expire(ChannelHandlerContext context) {
        this.timer = null;
        if (this.receiving) {
            // Ingest answers the request 408, and the connection is closed if no answer
            // is written in time either.
            arm(context, this.writeNanos);
            this.receiving = false;
            if (!this.bodyIn) {
                context.fireExceptionCaught(RequestTimeoutException.INSTANCE);
            }
            return;
        }
        this.metrics.answerNotTaken();
        Channel channel = context.channel();
        if (channel instanceof Http2StreamChannel) {
            // Closed at once, not through HTTP/2's graceful close, which would wait for
            // the streams that cannot end: the caller reads nothing anyway.
            Channel connection = channel.parent();
            connection.unsafe().close(connection.voidPromise());
            return;
        }
        channel.close();
    }

    private void stop() {
        if (this.timer != null) {
            this.timer.cancel(false);
            this.timer = null;
        }
    }

    /**
     * A request not in within {@code forwarder.ingest.request-timeout}: the caller's
     * doing, so without a stack trace.
     */
    static final class RequestTimeoutException extends RuntimeException {

        static final RequestTimeoutException INSTANCE = new RequestTimeoutException();

        private RequestTimeoutException() {
            super("the request was not in within forwarder.ingest.request-timeout", null, false, false);
        }

    }

}
