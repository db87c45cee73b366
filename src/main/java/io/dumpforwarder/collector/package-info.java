/**
 * The collector's wire: its HTTP client and connection pool, one exchange (the dumps'
 * body out, the answer's status in), what each status means, and the one walk that makes
 * a failed attempt an outcome. Uses the limits' refusals, the trace context, the shared
 * dump vocabulary and the settings.
 */
package io.dumpforwarder.collector;
