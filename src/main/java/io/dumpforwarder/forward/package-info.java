/**
 * Delivers dumps to the collector under the rate limit, the concurrency limit and the
 * breaker, and counts and logs each outcome. Uses the shared dump vocabulary and the
 * settings; never the pipeline or ingest.
 */
package io.dumpforwarder.forward;
