/**
 * dump-forwarder: accepts dumps over HTTP and forwards them to the collector, bounded and
 * counted. Starts the application; the features live in the packages below.
 */
package io.dumpforwarder;
