package io.dumpforwarder.protobuf;

/**
 * A message whose JSON is longer than the caller takes: writing stopped the moment it
 * went past the limit, so the JSON was never held whole.
 */
public final class JsonTooLargeException extends Exception {

    private final int limit;

    JsonTooLargeException(int limit) {
        super("the message's JSON is over the limit of " + limit + " bytes");
        this.limit = limit;
    }

    /** The most bytes of JSON the caller takes. */
    public int limit() {
        return this.limit;
    }

}
