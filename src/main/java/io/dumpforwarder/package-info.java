/**
 * dump-forwarder: accepts dumps over HTTP and forwards them to the collector, bounded and
 * counted. Starts the application, with the application's event loops and the max age in
 * force; the features live in the packages below.
 */
package io.dumpforwarder;
