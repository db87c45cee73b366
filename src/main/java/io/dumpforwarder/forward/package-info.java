/**
 * Sends dumps to the collector under the rate limit, the concurrency limit and the
 * breaker. Uses the shared dump vocabulary and the settings.
 */
package io.dumpforwarder.forward;
