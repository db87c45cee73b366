/**
 * Who is calling the ingest API (a bearer token's name, or a header naming a configured
 * caller), each caller's optional rate quota, and each caller's fair share of a bounded
 * count (the queue, the body budget, the buffer's unacknowledged bytes), with their
 * settings ({@code forwarder.ingest.callers.*}, {@code forwarder.ingest.auth.*}). Uses
 * nothing of the application; ingest, body, the queue, the pipeline and the buffer ask
 * it.
 */
package io.dumpforwarder.caller;
