/**
 * The bounded queue between ingest and forwarding, the flow that drains it, and the
 * shutdown sequence, with the log window, latency buckets and polling that ingest and the
 * buffer use too. Uses the forwarder, the callers' names and shares, the shared dump
 * vocabulary and the settings; never ingest.
 */
package io.dumpforwarder.pipeline;
