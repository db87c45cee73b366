package io.dumpforwarder.protobuf;

import java.util.Arrays;
import java.util.Base64;

/**
 * A growing buffer of JSON bytes, with jsoniter's string escaping, that never grows past
 * a limit: from the write that would take it there on, what is written is thrown away
 * ({@link #isOver()}), so that the message is still read, and checked, to its end.
 */
final class JsonBytes {

    /** The longest array a JVM allocates. */
    static final int MAX_LENGTH = Integer.MAX_VALUE - 8;

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int limit;

    private final boolean discards;

    private byte[] bytes;

    private int size;

    private boolean over;

    JsonBytes(int capacity) {
        this(capacity, MAX_LENGTH);
    }

    JsonBytes(int capacity, int limit) {
        this(capacity, limit, false);
    }

    private JsonBytes(int capacity, int limit, boolean discards) {
        this.bytes = new byte[Math.min(Math.max(capacity, 16), limit)];
        this.limit = limit;
        this.discards = discards;
    }

    /**
     * A buffer whose bytes are thrown away, for what must be read, and checked, but not
     * written: it never grows past the largest single write, and never refuses one.
     */
    static JsonBytes discarding() {
        return new JsonBytes(256, MAX_LENGTH, true);
    }

    /** Whether what is written here is thrown away. */
    boolean discards() {
        return this.discards;
    }

    /** Whether a write would have taken the buffer past its limit. */
    boolean isOver() {
        return this.over;
    }

    void raw(byte b) {
        room(1);
        this.bytes[this.size++] = b;
    }

    void raw(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, this.bytes, this.size, b.length);
        this.size += b.length;
    }

    void ascii(String text) {
        room(text.length());
        for (int i = 0; i < text.length(); i++) {
            this.bytes[this.size++] = (byte) text.charAt(i);
        }
    }

    void base64(byte[] from, int start, int length) {
        byte[] encoded = Base64.getEncoder().encode(Arrays.copyOfRange(from, start, start + length));
        raw((byte) '"');
        raw(encoded);
        raw((byte) '"');
    }

    void string(byte[] utf8) {
        string(utf8, 0, utf8.length);
    }

    /**
     * Valid UTF-8 as a JSON string, escaped as jsoniter's HTML-safe writer does: the
     * quote, the backslash, newline, return and tab with a backslash; other control
     * characters, {@code < > &} and the line and paragraph separators (U+2028, U+2029) as
     * a backslash, a {@code u} and four lowercase hex digits.
     */
    void string(byte[] utf8, int start, int end) {
        room(end - start + 2);
        this.bytes[this.size++] = '"';
        unquoted(utf8, start, end);
        raw((byte) '"');
    }

    private void unquoted(byte[] utf8, int start, int end) {
        // Runs of bytes written as they are, copied whole.
        int plain = start;
        for (int i = start; i < end; i++) {
            int b = utf8[i] & 0xFF;
            if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' && b != 0xE2) {
                continue;
            }
            if (b == 0xE2) {
                if (i + 2 < end && utf8[i + 1] == (byte) 0x80
                        && (utf8[i + 2] == (byte) 0xA8 || utf8[i + 2] == (byte) 0xA9)) {
                    copy(utf8, plain, i);
                    escape(0x2028 + (utf8[i + 2] & 0x01));
                    i += 2;
                    plain = i + 1;
                }
                continue;
            }
            copy(utf8, plain, i);
            plain = i + 1;
            switch (b) {
                case '"', '\\' -> {
                    raw((byte) '\\');
                    raw((byte) b);
                }
                case '\n' -> escaped('n');
                case '\r' -> escaped('r');
                case '\t' -> escaped('t');
                default -> escape(b);
            }
        }
        copy(utf8, plain, end);
    }

    private void copy(byte[] from, int start, int end) {
        int length = end - start;
        if (length > 0) {
            room(length);
            System.arraycopy(from, start, this.bytes, this.size, length);
            this.size += length;
        }
    }

    /**
     * Bytes that may not be UTF-8, as jsoniter writes a Go string: each byte that does
     * not start a valid sequence becomes U+FFFD, the rest as
     * {@link #string(byte[], int, int)}.
     */
    void lenientString(byte[] bytes, int start, int end) {
        room(end - start + 2);
        this.bytes[this.size++] = '"';
        for (int i = start; i < end;) {
            int invalid = io.dumpforwarder.body.Utf8.firstInvalid(bytes, i, end);
            unquoted(bytes, i, (invalid < 0) ? end : invalid);
            if (invalid < 0) {
                break;
            }
            if (bytes[invalid] == 0) {
                escape(0);
            }
            else {
                escape(0xFFFD);
            }
            i = invalid + 1;
        }
        raw((byte) '"');
    }

    private void escaped(char c) {
        raw((byte) '\\');
        raw((byte) c);
    }

    private void escape(int c) {
        room(6);
        this.bytes[this.size++] = '\\';
        this.bytes[this.size++] = 'u';
        this.bytes[this.size++] = HEX[(c >> 12) & 0xF];
        this.bytes[this.size++] = HEX[(c >> 8) & 0xF];
        this.bytes[this.size++] = HEX[(c >> 4) & 0xF];
        this.bytes[this.size++] = HEX[c & 0xF];
    }

    byte[] toByteArray() {
        return Arrays.copyOf(this.bytes, this.size);
    }

    private void room(int more) {
        if (more > this.bytes.length - this.size) {
            grow(more);
        }
    }

    private void grow(int more) {
        if (!this.discards && more > this.limit - this.size) {
            this.over = true;
        }
        if (this.discards || this.over) {
            this.size = 0;
            if (more > this.bytes.length) {
                this.bytes = new byte[more];
            }
            return;
        }
        long length = Math.min(Math.max(this.bytes.length * 2L, (long) this.size + more), this.limit);
        this.bytes = Arrays.copyOf(this.bytes, (int) length);
    }

}
