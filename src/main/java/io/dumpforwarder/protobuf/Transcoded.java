package io.dumpforwarder.protobuf;

/**
 * A message's JSON and the identifiers read from it, each null when the message leaves it
 * out.
 *
 * @param json the JSON
 * @param uid the uid field's value, as text
 * @param traceId the trace id field's value, as text
 */
public record Transcoded(byte[] json, String uid, String traceId) {

}
