/**
 * The forwarder, which makes one forward of the mechanisms beside it (it waits out the
 * collector's pause, holds an attempt the open breaker refuses, retries within the budget
 * and puts the rate and concurrency limits around each exchange), the timing wheel its
 * timeouts run on, and the forward path's warm-up. Uses the collector's wire, retry, the
 * breaker, the limits, the trace context, the dump vocabulary and the settings; never the
 * pipeline or ingest.
 */
package io.dumpforwarder.forward;
