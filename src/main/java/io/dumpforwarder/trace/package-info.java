/**
 * The spans of dumps when tracing is on: the ingest request's, each forward attempt's and
 * the {@code traceparent} the collector receives. Uses the shared dump vocabulary only;
 * ingest and forward use it.
 */
package io.dumpforwarder.trace;
