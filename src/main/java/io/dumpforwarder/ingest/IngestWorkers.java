package io.dumpforwarder.ingest;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.dumpforwarder.config.ForwarderProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

/**
 * Where a received body is read into dumps. A body of {@value #INLINE_LIMIT} bytes or
 * more (its JSON checked, its protobuf transcoded: up to a quarter of a second for a 16
 * MB stream) is read on a pool of one thread a core, so that it holds up no other
 * connection of its event loop; a smaller one is read where it arrived, where a hand-off
 * would cost more than the reading. The pool's queue holds at most as many bodies as the
 * body budget lets be received at once at that size, so it never refuses one while the
 * service runs. Its meters are Micrometer's executor meters named {@value #NAME}.
 */
@Component
class IngestWorkers implements DisposableBean {

    /** Bodies this long or longer are read on the pool. */
    static final int INLINE_LIMIT = 64 * 1024;

    static final String NAME = "dumps.ingest.workers";

    private final ThreadPoolExecutor pool;

    private final Scheduler scheduler;

    IngestWorkers(ForwarderProperties properties, MeterRegistry registry) {
        int threads = Runtime.getRuntime().availableProcessors();
        long bodies = properties.ingest().maxInflightBytes().toBytes() / INLINE_LIMIT + 1;
        CustomizableThreadFactory threadFactory = new CustomizableThreadFactory("dump-forwarder-ingest-");
        threadFactory.setDaemon(true);
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>((int) Math.min(bodies, Integer.MAX_VALUE)), threadFactory);
        ExecutorService timed = ExecutorServiceMetrics.monitor(registry, this.pool, NAME);
        this.scheduler = Schedulers.fromExecutorService(timed, NAME);
    }

    /**
     * The reading of a body of this size: here and now when it is small, on the pool
     * otherwise.
     */
    <T> Mono<T> read(int size, Supplier<Mono<T>> reading) {
        return (size < INLINE_LIMIT) ? reading.get() : Mono.defer(reading).subscribeOn(this.scheduler);
    }

    @Override
    public void destroy() {
        this.scheduler.dispose();
        this.pool.shutdownNow();
    }

}
