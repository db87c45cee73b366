package io.dumpforwarder.protobuf;

/**
 * A message that cannot be read as its descriptor says, or holds what JSON cannot (a NaN
 * or an infinity, which Go's marshaller refuses too).
 */
public final class MalformedProtobufException extends Exception {

    private final int offset;

    MalformedProtobufException(int offset, String reason) {
        super("malformed protobuf at byte " + offset + ": " + reason);
        this.offset = offset;
    }

    MalformedProtobufException(String reason) {
        super(reason);
        this.offset = -1;
    }

    /** Where in the message reading failed; -1 when no byte is at fault. */
    public int offset() {
        return this.offset;
    }

}
