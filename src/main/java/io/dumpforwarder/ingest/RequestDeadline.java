package io.dumpforwarder.ingest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
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

    /** Whether the timer armed is an answer's (else a request's). */
    private boolean answering;

    /**
     * Requests read and not yet answered: more than one when a caller pipelines; the
     * first runs its clock, each next one's starts when the answer before it is written.
     */
    private int pending;

    /** Whether the last request's body is all in. */
    private boolean bodyIn;

    RequestDeadline(Duration request, Duration write, IngestMetrics metrics) {
        this.requestNanos = request.toNanos();
        this.writeNanos = write.toNanos();
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (message instanceof HttpRequest) {
            this.bodyIn = false;
            if (++this.pending == 1) {
                arm(context, this.requestNanos, false);
            }
        }
        if (message instanceof LastHttpContent) {
            this.bodyIn = true;
        }
        context.fireChannelRead(message);
    }

    @Override
    public void write(ChannelHandlerContext context, Object message, ChannelPromise promise) {
        boolean informational = message instanceof HttpResponse response
                && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (message instanceof HttpResponse && !informational) {
            arm(context, this.writeNanos, true);
        }
        else if (informational && ((HttpResponse) message).status().code() == 101) {
            // Upgraded to h2c: the connection's streams have deadlines of their own.
            stop();
            this.pending = 0;
        }
        if (message instanceof LastHttpContent && !informational) {
            ScheduledFuture<?> answer = this.timer;
            context.write(message, promise.unvoid()).addListener((written) -> answered(context, answer));
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

    /**
     * An answer is written: its timer stops, and a request pipelined behind it starts its
     * clock.
     */
    private void answered(ChannelHandlerContext context, ScheduledFuture<?> answer) {
        if (this.pending > 0) {
            this.pending--;
        }
        if (this.timer != answer) {
            return;
        }
        stop();
        if (this.pending > 0 && context.channel().isActive()) {
            arm(context, this.requestNanos, false);
        }
    }

    private void arm(ChannelHandlerContext context, long nanos, boolean answering) {
        stop();
        this.answering = answering;
        this.timer = context.executor().schedule(() -> expire(context), nanos, TimeUnit.NANOSECONDS);
    }

    private void expire(ChannelHandlerContext context) {
        this.timer = null;
        if (!this.answering) {
            // Ingest answers a body still arriving 408; if no answer is written in time
            // either, the connection is closed.
            arm(context, this.writeNanos, true);
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
