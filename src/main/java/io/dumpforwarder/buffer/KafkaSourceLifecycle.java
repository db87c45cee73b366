package io.dumpforwarder.buffer;

import org.springframework.context.SmartLifecycle;

/**
 * Starts the Kafka source's consumer with the application, and drains it first at
 * shutdown: in the default phase, above the pipeline's ({@code DEFAULT_PHASE - 1}), so
 * the pipeline still forwards, and the queue still takes dumps forwarded again, while
 * what was taken drains. A bean of its own rather than the source itself: the pipeline
 * depends on the source, and Spring stops a lifecycle bean's dependents before it,
 * whatever their phases.
 */
class KafkaSourceLifecycle implements SmartLifecycle {

    private final KafkaSource source;

    private volatile boolean running;

    KafkaSourceLifecycle(KafkaSource source) {
        this.source = source;
    }

    @Override
    public void start() {
        this.running = true;
        this.source.consume();
    }

    @Override
    public void stop(Runnable callback) {
        this.source.drain(() -> {
            this.running = false;
            callback.run();
        });
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

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

}
