package io.dumpforwarder.util;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * The buckets of the service's latency histograms, shared so that ingest's and the
 * forwards' line up on one dashboard: 1 ms to 1 s, and any longer ones a timer adds.
 */
public final class LatencyBuckets {

    private static final long[] MILLIS = { 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000 };

    private LatencyBuckets() {
    }

    /** The buckets, with {@code longerMillis} after the last. */
    public static Duration[] upTo(long... longerMillis) {
        return LongStream.concat(Arrays.stream(MILLIS), Arrays.stream(longerMillis))
            .mapToObj(Duration::ofMillis)
            .toArray(Duration[]::new);
    }

}
