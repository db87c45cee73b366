/**
 * The in-memory queue: bounded in dumps waiting and in bytes held, fair to callers. It is
 * ingest's intake and the pipeline's source with the default buffer, and holds the dumps
 * the Kafka buffer takes from its topic. Uses callers' fair shares of a bounded count,
 * the latency buckets, the dump vocabulary and the settings.
 */
package io.dumpforwarder.queue;
