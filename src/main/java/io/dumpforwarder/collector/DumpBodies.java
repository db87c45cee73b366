package io.dumpforwarder.collector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import io.dumpforwarder.dump.Dump;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Request bodies made of dumps, built from the bytes the callers sent without copying
 * them when not compressed; in a batch every dump is on one line.
 */
final class DumpBodies {

    private static final byte[] NEWLINE = { '\n' };

    private DumpBodies() {
    }

    /**
     * The dumps as NDJSON: a composite view over their byte arrays and newlines, nothing
     * copied.
     */
    static ByteBuf ndjson(List<Dump> dumps) {
        byte[][] parts = new byte[dumps.size() * 2][];
        for (int i = 0; i < dumps.size(); i++) {
            parts[2 * i] = oneLine(dumps.get(i).body());
            parts[2 * i + 1] = NEWLINE;
        }
        return Unpooled.wrappedBuffer(parts.length, parts);
    }

    /**
     * The dump on one line, as NDJSON needs it: its bytes when they hold no CR or LF,
     * else a copy with each replaced by a space. A valid JSON text holds raw CR and LF
     * only as whitespace between tokens (inside strings they must be escaped), so the
     * value is the same.
     */
    static byte[] oneLine(byte[] dump) {
        byte[] line = dump;
        for (int i = 0; i < dump.length; i++) {
            if (dump[i] == '\n' || dump[i] == '\r') {
                if (line == dump) {
                    line = dump.clone();
                }
                line[i] = ' ';
            }
        }
        return line;
    }

    /** The dumps gzipped: NDJSON when batched, else the one dump as it came in. */
    static byte[] gzip(List<Dump> dumps, boolean ndjson) {
        int size = 0;
        for (Dump dump : dumps) {
            size += dump.size() + 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, size / 4));
        try (GZIPOutputStream zip = new GZIPOutputStream(out, 8192)) {
            for (Dump dump : dumps) {
                zip.write(ndjson ? oneLine(dump.body()) : dump.body());
                if (ndjson) {
                    zip.write('\n');
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException("gzip into memory failed", ex);
        }
        return out.toByteArray();
    }

}
