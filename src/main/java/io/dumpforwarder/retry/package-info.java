/**
 * When to try again: the retry policy (jittered backoff, every attempt counted), the
 * retry budget that paces retries, and the pause of all sending a collector asks for with
 * {@code Retry-After}. Uses only the shared dump vocabulary and the settings.
 */
package io.dumpforwarder.retry;
