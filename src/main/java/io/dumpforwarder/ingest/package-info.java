/**
 * The HTTP edge: reads, checks and admits dumps into the queue, and answers the caller at
 * once. Uses the pipeline's queue, the shared dump vocabulary and the settings.
 */
package io.dumpforwarder.ingest;
