/**
 * The shared vocabulary: a dump, its max age, what became of a forward and the outcome it
 * settles with, and the two ports between ingest, the pipeline and where dumps wait: the
 * {@link io.dumpforwarder.dump.Intake} ingest puts them in and the
 * {@link io.dumpforwarder.dump.DumpSource} the pipeline drains. At the bottom with the
 * settings: it uses nothing of the application.
 */
package io.dumpforwarder.dump;
