package io.dumpforwarder.ingest;

/** A dump is not one well-formed JSON object; the message is shown to the caller. */
class InvalidDumpException extends RuntimeException {

    InvalidDumpException(String message) {
        super(message, null, false, false);
    }

}
