/**
 * The breaker around the collector: the settings YAML cannot carry, what its states mean,
 * when an attempt it held may try again, and its log, two lines an outage. Uses the
 * collector's statuses and failure classifier and the shared dump vocabulary.
 */
package io.dumpforwarder.breaker;
