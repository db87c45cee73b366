package io.dumpforwarder.collector;

import java.time.Duration;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import reactor.netty.resources.ConnectionProvider;

/**
 * How the collector's connection pool grows: to at most {@code max} connections, opening
 * them at {@code perSecond} at most, a tenth of a second's worth at once, so a burst of
 * forwards on an empty pool does not throw a hundred connects at a collector's accept
 * queue. A forward refused a new connection waits in the pool for the next one released
 * or allowed (the pool asks again whenever a connection is released, opened or fails), so
 * a burst mostly reuses the few connections opened first. With no connection open, one
 * may always be opened, so a pool whose every connect failed is never left waiting for a
 * release that cannot come.
 */
final class PacedConnects implements ConnectionProvider.AllocationStrategy<PacedConnects> {

    private final int max;

    private final int perSecond;

    private final Bucket bucket;

    /** Connections open or being opened; guarded by {@code this}. */
    private int granted;

    PacedConnects(int max, int perSecond) {
        this.max = max;
        this.perSecond = perSecond;
        this.bucket = Bucket.builder()
            .addLimit(Bandwidth.builder()
                .capacity(Math.max(1, perSecond / 10))
                .refillGreedy(perSecond, Duration.ofSeconds(1))
                .build())
            .build();
    }

    /** Each pool (one per collector address) paces its own connections. */
    @Override
    public PacedConnects copy() {
        return new PacedConnects(this.max, this.perSecond);
    }

    @Override
    public synchronized int estimatePermitCount() {
        return (int) Math.min(this.max - this.granted, this.bucket.getAvailableTokens());
    }

    @Override
    public synchronized int getPermits(int desired) {
        int room = Math.min(desired, this.max - this.granted);
        if (room <= 0) {
            return 0;
        }
        int permits = (int) this.bucket.tryConsumeAsMuchAsPossible(room);
        if (permits == 0 && this.granted == 0) {
            permits = 1;
        }
        this.granted += permits;
        return permits;
    }

    @Override
    public synchronized int permitGranted() {
        return this.granted;
    }

    @Override
    public int permitMinimum() {
        return 0;
    }

    @Override
    public int permitMaximum() {
        return this.max;
    }

    @Override
    public synchronized void returnPermits(int returned) {
        this.granted = Math.max(0, this.granted - returned);
    }

}
