/**
 * The Kafka buffer ({@code forwarder.buffer.type: kafka}): ingest's dumps go to a topic
 * and are answered once Kafka acknowledged them; the forwarding side consumes the topic
 * in a consumer group, holds what it took in the in-memory queue, and is the pipeline's
 * source: told what became of a dump, it commits its offset once its outcome is final,
 * writes it to the dead-letter topic, or delivers it again. Implements the dump
 * vocabulary's intake and source; uses the queue, callers' fair shares of a bounded
 * count, the breaker's name and what its states mean, the trace context's headers, the
 * log window and polling, and the settings. Nothing imports it.
 */
package io.dumpforwarder.buffer;
