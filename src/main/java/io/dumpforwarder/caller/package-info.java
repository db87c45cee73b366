/**
 * Who is calling the ingest API (a bearer token's name, or a header naming a configured
 * caller) and each caller's optional rate quota. Uses only the settings; ingest asks it.
 */
package io.dumpforwarder.caller;
