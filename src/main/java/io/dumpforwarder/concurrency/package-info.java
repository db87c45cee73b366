/**
 * The adaptive concurrency limit ({@code forwarder.concurrency.*}): how many attempts may
 * be on the wire at once, learnt from the collector's round trips. Optional; uses only
 * the shared dump vocabulary and the settings. The forwarder puts it around each attempt.
 */
package io.dumpforwarder.concurrency;
