package io.dumpforwarder.dump;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Idempotency keys for accepted dumps: this process's random prefix and a sequence
 * number, unique across replicas and restarts without coordination.
 */
public final class DumpKeys {

    private static final String PREFIX = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + "-";

    private static final AtomicLong sequence = new AtomicLong();

    private DumpKeys() {
    }

    public static String next() {
        return PREFIX + Long.toHexString(sequence.incrementAndGet());
    }

}
