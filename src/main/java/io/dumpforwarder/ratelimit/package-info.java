/**
 * The rate limit on requests to the collector ({@code forwarder.rate-limiter.*}): a token
 * bucket of this pod's, or one in Redis that every replica shares, with this pod's own as
 * the fallback while Redis cannot be reached. Optional; uses only the settings. The
 * forwarder puts it around each attempt.
 */
package io.dumpforwarder.ratelimit;
