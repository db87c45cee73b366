package io.dumpforwarder.ingest;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.dumpforwarder.config.MemoryBounds;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import reactor.core.publisher.Mono;
import reactor.netty.NettyInbound;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

/**
 * Where a received body is read into dumps. A body of {@value #INLINE_LIMIT} bytes or
 * more (its JSON checked, its protobuf transcoded: about a quarter of a second for a 16
 * MB stream) is read on a pool of one thread a core, so that it holds up no other
 * connection of its event loop, and what it was read into is handed back to that loop,
 * where the rest of the request (quotas, the queue, the answer) goes on as for a smaller
 * body, which is read where it arrived.
 *
 * <p>
 * The pool's queue holds at most as many bodies as the body budget lets be received at
 * once at that size. A request that ends while its body waits takes it out of the queue;
 * one whose body is being read lets the reading finish, so at most one body a thread is
 * held past its request. Its meters are Micrometer's executor meters named
 * {@value #NAME}.
 */
@Component
class IngestWorkers implements DisposableBean {

    /** Bodies this long or longer are read on the pool. */
    static final int INLINE_LIMIT = 64 * 1024;

    static final String NAME = "dumps.ingest.workers";

    private final ThreadPoolExecutor pool;

    IngestWorkers(MemoryBounds bounds, MeterRegistry registry) {
        int threads = Runtime.getRuntime().availableProcessors();
        long bodies = bounds.bodyBytes() / INLINE_LIMIT + 1;
        CustomizableThreadFactory threadFactory = new CustomizableThreadFactory("dump-forwarder-ingest-");
        threadFactory.setDaemon(true);
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>((int) Math.min(bodies, Integer.MAX_VALUE)), threadFactory);
        new ExecutorServiceMetrics(this.pool, NAME, List.of()).bindTo(registry);
    }

    /**
     * What a body of this size is read into: here and now when it is small; else on the
     * pool, handed back to the event loop of the request's connection.
     */
    <T> Mono<T> read(int size, NettyInbound request, Supplier<T> reading) {
        if (size < INLINE_LIMIT) {
            return Mono.just(reading.get());
        }
        Executor[] loop = new Executor[1];
        request.withConnection((connection) -> loop[0] = connection.channel().eventLoop());
        return Mono.create((sink) -> {
            Runnable task = () -> {
                try {
                    T read = reading.get();
                    loop[0].execute(() -> sink.success(read));
                }
                catch (RuntimeException ex) {
                    loop[0].execute(() -> sink.error(ex));
                }
            };
            try {
                this.pool.execute(task);
            }
            catch (RejectedExecutionException ex) {
                sink.error(ex);
                return;
            }
            sink.onCancel(() -> this.pool.remove(task));
        });
    }

    @Override
    public void destroy() {
        this.pool.shutdownNow();
    }

}
