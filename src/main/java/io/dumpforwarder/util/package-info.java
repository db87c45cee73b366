/**
 * Small tools with no idea of their own, shared by the features: the log window that
 * bounds a flood of the same line, the latency buckets of the service's timers, and the
 * polling that waits for a drain. At the bottom: uses nothing of the application.
 */
package io.dumpforwarder.util;
