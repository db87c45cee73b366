/**
 * The collector's wire: its HTTP client and connection pool, one exchange (the dumps'
 * body out, the answer's status in), what each status means, and the one walk that makes
 * an attempt that failed on the wire an outcome. Uses the adaptive limit's feedback, the
 * trace context, the shared dump vocabulary and the settings.
 */
package io.dumpforwarder.collector;
