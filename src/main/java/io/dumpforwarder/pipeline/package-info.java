/**
 * The flow that drains the source of dumps (the queue, or the Kafka buffer) into the
 * forwarder, settles each dump with one outcome and tells the source; its meters, its
 * failure log, and the shutdown sequence. Uses the forwarder, the callers' names, the
 * shared dump vocabulary, the small tools and the settings. Nothing imports it.
 */
package io.dumpforwarder.pipeline;
