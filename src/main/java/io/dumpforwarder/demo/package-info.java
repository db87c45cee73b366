/**
 * The embedded demo collector that the {@code demo} profile starts. Uses only the
 * settings.
 */
package io.dumpforwarder.demo;
