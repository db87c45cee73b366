package io.dumpforwarder.retry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

/**
 * A pause of all sending that the collector asked for with {@code Retry-After} on a 429
 * or 503, capped by {@code forwarder.retry-after.max}. Requests already answered do not
 * extend it further than the latest answer asks; meanwhile dumps wait in the queue, and
 * ingest keeps answering.
 */
@Component
public class CollectorPause {

    private static final Logger logger = LoggerFactory.getLogger(CollectorPause.class);

    private final long maxNanos;

    /** {@link System#nanoTime()} when sending may resume; in the past when not paused. */
    private final AtomicLong until = new AtomicLong(System.nanoTime());

    private final Counter pauses;

    private final Counter paused;

    CollectorPause(RetryAfterProperties settings, MeterRegistry registry) {
        this.maxNanos = settings.max().toNanos();
        this.pauses = Counter.builder("dumps.pauses")
            .description("Pauses of all sending asked for by the collector (Retry-After on a 429 or 503)")
            .register(registry);
        this.paused = Counter.builder("dumps.paused")
            .description("Time all sending was paused at the collector's request")
            .baseUnit("seconds")
            .register(registry);
    }

    /** {@link System#nanoTime()} when sending may resume; in the past when not paused. */
    public long until() {
        return this.until.get();
    }

    /** Whether sending is paused right now. */
    public boolean isPaused() {
        return this.until.get() - System.nanoTime() > 0;
    }

    /** How long sending is still paused; 0 when it is not. */
    public long remainingNanos() {
        return Math.max(0, this.until.get() - System.nanoTime());
    }

    /**
     * Pauses all sending for what the collector asked, at most the configured maximum.
     */
    public void pause(Duration asked, int status) {
        long wanted = Math.min(asked.toNanos(), this.maxNanos);
        if (wanted <= 0) {
            return;
        }
        long now = System.nanoTime();
        long end = now + wanted;
        long previous = this.until.getAndAccumulate(end, (current, next) -> (next - current > 0) ? next : current);
        if (end - previous <= 0) {
            return;
        }
        boolean fresh = previous - now <= 0;
        this.paused.increment((double) (end - Math.max(previous, now)) / TimeUnit.SECONDS.toNanos(1));
        if (fresh) {
            this.pauses.increment();
            logger.atWarn()
                .addKeyValue("status", status)
                .addKeyValue("pauseMillis", TimeUnit.NANOSECONDS.toMillis(wanted))
                .log("The collector answered {} with Retry-After: all sending paused for {} ms", status,
                        TimeUnit.NANOSECONDS.toMillis(wanted));
        }
    }

}
