/**
 * The bounded queue between ingest and forwarding, and the flow that drains it. Uses the
 * forwarder, the shared dump vocabulary and the settings.
 */
package io.dumpforwarder.pipeline;
