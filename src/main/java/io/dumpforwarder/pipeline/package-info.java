/**
 * The bounded queue between ingest and forwarding, the flow that drains it, and the
 * shutdown sequence, and callers' fair shares of bounded things. Uses the forwarder, the
 * callers' names, the shared dump vocabulary and the settings; never ingest.
 */
package io.dumpforwarder.pipeline;
