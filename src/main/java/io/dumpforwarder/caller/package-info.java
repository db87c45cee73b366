/**
 * Who is calling the ingest API (a bearer token's name, or a header naming a configured
 * caller), each caller's optional rate quota, and each caller's fair share of a bounded
 * count (the queue, the body budget, the buffer's unacknowledged bytes). Uses only the
 * settings; ingest, body, the queue, the pipeline and the buffer ask it.
 */
package io.dumpforwarder.caller;
