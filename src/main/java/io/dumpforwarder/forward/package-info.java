/**
 * The forwarder: a {@code Forward}, one object per request to the collector, made of the
 * mechanisms beside it (it waits out the collector's pause, takes the rate and
 * concurrency limits' permits, asks the breaker, holds an attempt the open breaker
 * refuses, retries within the budget), the timing wheel its one timer at a time runs on,
 * and the forward path's warm-up. Uses the collector's wire, retry, the breaker, the
 * limits, the trace context, the dump vocabulary and the settings; never the pipeline or
 * ingest.
 */
package io.dumpforwarder.forward;
