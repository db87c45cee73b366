/**
 * The settings that several parts of the service read, one typed, validated record per
 * prefix bound once at start-up: {@code forwarder.*} itself, the ingest limits, the
 * queue's bounds, batching, shutdown and the failure log; and the bounds they set on the
 * heap, checked at start-up. A setting that one part alone reads has its record beside it
 * ({@code RetryProperties} in the retry package). At the bottom: it uses nothing of the
 * application.
 */
package io.dumpforwarder.config;
