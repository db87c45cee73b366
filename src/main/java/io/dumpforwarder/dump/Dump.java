package io.dumpforwarder.dump;

import java.util.List;

import io.micrometer.tracing.TraceContext;

/**
 * One accepted dump on its way to the collector.
 *
 * @param body the bytes exactly as the caller sent them; forwarded unchanged, never
 * re-serialised
 * @param uid the dump's top-level {@code uid}, or {@code null}
 * @param traceId the caller's trace id (header first, then the dump's {@code traceId}),
 * or {@code null}
 * @param trace the span of the ingest request that accepted it when tracing is on, else
 * {@code null}
 * @param receivedNanos {@link System#nanoTime()} when it was accepted
 * @param key the idempotency key given at acceptance, the same for every forward of the
 * dump
 * @param receipt what to tell the dump's durable source when a forward ends, or
 * {@code null} for a dump held in memory
 * @param caller the caller that sent it, one of a closed set of names; {@link #NO_CALLER}
 * for {@code null} (a dump buffered in Kafka by a version that did not name callers)
 */
public record Dump(byte[] body, String uid, String traceId, TraceContext trace, long receivedNanos, String key,
        Receipt receipt, String caller) {

    public Dump {
        caller = (caller != null) ? caller : NO_CALLER;
    }

    /**
     * The name of what carries dumps to the collector: the circuit breaker, the
     * connection pool and the adaptive limit, and the {@code name} tag of their meters.
     */
    public static final String CARRIER = "dump";

    /** The caller of a dump that names none. */
    public static final String NO_CALLER = "unknown";

    public int size() {
        return this.body.length;
    }

    /** The bytes of these dumps' bodies together. */
    public static long size(List<Dump> dumps) {
        long bytes = 0;
        for (Dump dump : dumps) {
            bytes += dump.size();
        }
        return bytes;
    }

}
