package io.dumpforwarder.ingest;

import java.util.ArrayList;
import java.util.List;

import io.dumpforwarder.body.Utf8;
import io.dumpforwarder.dump.Dump;

/**
 * The dumps and the refused lines of one NDJSON body: each line ({@code \n} or
 * {@code \r\n}) is judged on its own, blank lines are skipped, and every other line
 * becomes exactly one dump or one error. A UTF-8 byte order mark before the first line is
 * dropped.
 *
 * @param dumps the valid lines, in order
 * @param errors the refused lines, in order
 */
record NdjsonBody(List<Dump> dumps, List<LineError> errors) {

    static NdjsonBody read(byte[] body, int maxDumpSize, RequestIds caller, long receivedNanos) {
        List<Dump> dumps = new ArrayList<>();
        List<LineError> errors = new ArrayList<>();
        int lineNumber = 0;
        for (int start = Utf8.byteOrderMark(body); start < body.length;) {
            int end = indexOf(body, (byte) '\n', start);
            int stop = (end > start && body[end - 1] == '\r') ? end - 1 : end;
            lineNumber++;
            if (isBlank(body, start, stop)) {
                // Skipped, however long.
            }
            else if (stop - start > maxDumpSize) {
                errors.add(new LineError(lineNumber, IngestOutcome.TOO_LARGE,
                        "line of " + (stop - start) + " bytes is over the limit of " + maxDumpSize + " bytes"));
            }
            else {
                try {
                    dumps.add(DumpReader.dump(body, start, stop, caller, receivedNanos, lineNumber));
                }
                catch (InvalidDumpException ex) {
                    errors.add(new LineError(lineNumber, IngestOutcome.INVALID, ex.getMessage()));
                }
            }
            start = end + 1;
        }
        return new NdjsonBody(dumps, errors);
    }

    private static int indexOf(byte[] bytes, byte value, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return bytes.length;
    }

    private static boolean isBlank(byte[] bytes, int start, int stop) {
        for (int i = start; i < stop; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * A refused line.
     *
     * @param line its 1-based line number
     * @param outcome why it was refused
     * @param detail what is wrong with it
     */
    record LineError(int line, IngestOutcome outcome, String detail) {
    }

}
