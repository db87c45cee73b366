package io.dumpforwarder.pipeline;

import java.util.ArrayList;
import java.util.List;

import io.dumpforwarder.dump.Dump;

/**
 * Cuts dumps gathered within the batch wait into batches whose NDJSON body stays within
 * the byte bound.
 */
final class Batches {

    private Batches() {
    }

    /**
     * Consecutive runs of the dumps, in order, each at most {@code maxBytes} as NDJSON (a
     * newline after every dump); a dump that alone is larger becomes a batch of its own.
     */
    static List<List<Dump>> split(List<Dump> dumps, long maxBytes) {
        List<List<Dump>> batches = new ArrayList<>(1);
        List<Dump> batch = new ArrayList<>(dumps.size());
        long bytes = 0;
        for (Dump dump : dumps) {
            long size = dump.size() + 1L;
            if (!batch.isEmpty() && bytes + size > maxBytes) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(dump);
            bytes += size;
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

}
