/**
 * The bounded queue between ingest and forwarding, the flow that drains it, and the
 * shutdown sequence. Uses the forwarder, the shared dump vocabulary and the settings;
 * never ingest.
 */
package io.dumpforwarder.pipeline;
