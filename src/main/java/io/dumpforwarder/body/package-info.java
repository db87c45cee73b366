/**
 * Receiving a request's body, bounded: the bytes reserved from the body budget as they
 * arrive, the declared and the actual size, the minimum rate, the media type, and the
 * strict UTF-8 check. Knows nothing of dumps; ingest reads dumps from what it receives.
 * Uses callers' fair shares of a bounded count, and the settings.
 */
package io.dumpforwarder.body;
