/**
 * The typed, validated {@code forwarder.*} settings, bound once at start-up. At the
 * bottom: it uses nothing of the application.
 */
package io.dumpforwarder.config;
