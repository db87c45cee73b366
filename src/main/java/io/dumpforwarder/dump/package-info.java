/**
 * The shared vocabulary: a dump, its max age, what became of a forward and the outcome it
 * settles with. At the bottom with the settings: it uses nothing of the application.
 */
package io.dumpforwarder.dump;
