package io.dumpforwarder.pipeline;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.dumpforwarder.config.ShutdownProperties;
import io.dumpforwarder.dump.DumpSource;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.util.Polling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Starts the pipeline with the application, and runs the shutdown sequence: stop
 * admitting, let the source and in-flight forwards drain for the drain timeout, then
 * settle whatever is left in the source or waiting between attempts as {@code shutdown},
 * give the attempts on the wire two more seconds to be answered, then cut them (by their
 * answer when its status was read), so nothing leaves uncounted and no dump known to be
 * delivered is counted {@code shutdown}.
 */
@Component
class PipelineLifecycle implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(PipelineLifecycle.class);

    /** How long attempts on the wire may go on past the drain timeout. */
    private static final Duration ABORT_GRACE = Duration.ofSeconds(2);

    private final DumpPipeline pipeline;

    private final DumpSource source;

    private final ForwardMetrics metrics;

    private final Duration drainTimeout;

    private volatile boolean running;

    PipelineLifecycle(DumpPipeline pipeline, DumpSource source, ForwardMetrics metrics, ShutdownProperties shutdown) {
        this.pipeline = pipeline;
        this.source = source;
        this.metrics = metrics;
        this.drainTimeout = shutdown.drainTimeout();
    }

    @Override
    public void start() {
        this.pipeline.start();
        this.running = true;
    }

    @Override
    public void stop(Runnable callback) {
        this.source.close();
        long started = System.nanoTime();
        long settledBefore = this.metrics.settledTotal();
        long shutdownBefore = this.metrics.count(Outcome.SHUTDOWN);
        logger.info("Draining {} dumps for at most {}", unsettled(), this.drainTimeout);
        idle().timeout(this.drainTimeout).onErrorResume(TimeoutException.class, (timeout) -> {
            this.pipeline.abort();
            return idle().timeout(ABORT_GRACE).onErrorResume(TimeoutException.class, (late) -> {
                this.pipeline.cut();
                return idle().timeout(ABORT_GRACE);
            });
        }).doFinally((signal) -> {
            this.running = false;
            long settled = this.metrics.settledTotal() - settledBefore;
            long shutdown = this.metrics.count(Outcome.SHUTDOWN) - shutdownBefore;
            logger.atInfo()
                .addKeyValue("settled", settled)
                .addKeyValue("shutdown", shutdown)
                .addKeyValue("unsettled", unsettled())
                .log("Drain finished in {} ms: {} dumps settled, {} of them dropped as shutdown",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), settled, shutdown);
            callback.run();
        }).subscribe((ignored) -> {
        }, (error) -> logger.error("Drain did not finish", error));
    }

    private long unsettled() {
        return this.source.waiting() + this.metrics.inflight();
    }

    private Mono<Long> idle() {
        return Polling.until(this.pipeline::isIdle);
    }

    @Override
    public void stop() {
        stop(() -> {
        });
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /**
     * Stops before the web server's graceful shutdown, so ingest answers 503 while the
     * queue drains, and after a durable source of dumps (which stops in the default
     * phase).
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1;
    }

}
