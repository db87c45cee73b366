/**
 * The embedded demo collector that the {@code demo} profile starts, and its settings.
 * Uses nothing of the application.
 */
package io.dumpforwarder.demo;
