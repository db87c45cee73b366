/**
 * The HTTP edge: reads, checks and admits dumps into the intake (the queue's, or the
 * Kafka buffer's), and answers the caller at once. Uses the body, callers, the trace
 * context, the shared dump vocabulary, the log window and latency buckets, and the
 * settings.
 */
package io.dumpforwarder.ingest;
