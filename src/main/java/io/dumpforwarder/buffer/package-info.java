/**
 * The Kafka buffer ({@code forwarder.buffer.type: kafka}): ingest's dumps go to a topic
 * and are answered once Kafka acknowledged them; the forwarding side consumes the topic
 * in a consumer group and commits a dump's offset only once its outcome is final. Uses
 * the pipeline (its intake, queue, log window and polling), callers' fair shares of a
 * bounded count, the breaker's name and what its states mean, the trace context's
 * headers, the dump vocabulary and the settings.
 */
package io.dumpforwarder.buffer;
