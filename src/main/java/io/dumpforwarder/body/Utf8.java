package io.dumpforwarder.body;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 (RFC 3629, the only encoding RFC 8259 allows JSON in between systems): no
 * overlong forms, no surrogates, nothing above U+10FFFF, and no NUL byte (never valid in
 * JSON text, and the mark of UTF-16 and UTF-32). ASCII, most of a dump, is checked eight
 * bytes at a time.
 */
public final class Utf8 {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long HIGH_BITS = 0x8080808080808080L;

    private static final long LOW_BITS = 0x0101010101010101L;

    private Utf8() {
    }

    /**
     * The length of the UTF-8 byte order mark that starts {@code bytes}: 3, or 0 when
     * there is none. RFC 8259 lets a parser ignore it; the dump goes on without it.
     */
    public static int byteOrderMark(byte[] bytes) {
        return (bytes.length >= 3 && bytes[0] == (byte) 0xef && bytes[1] == (byte) 0xbb && bytes[2] == (byte) 0xbf) ? 3
                : 0;
    }

    /**
     * The offset of the first byte of {@code bytes[from, to)} that is not part of
     * well-formed UTF-8 (or is NUL), or -1 when there is none.
     */
    public static int firstInvalid(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (i + 8 <= to) {
                long word = (long) LONGS.get(bytes, i);
                // No byte with its high bit set, and no zero byte.
                if (((word | ((word - LOW_BITS) & ~word)) & HIGH_BITS) == 0) {
                    i += 8;
                    continue;
                }
            }
            int b = bytes[i] & 0xff;
            if (b != 0 && b < 0x80) {
                i++;
                continue;
            }
            int length = sequenceLength(bytes, i, to);
            if (length == 0) {
                return i;
            }
            i += length;
        }
        return -1;
    }

    /**
     * The length of the well-formed sequence of two to four bytes starting at {@code i}
     * and ending before {@code to}, or 0 if there is none (RFC 3629, section 4).
     */
    public static int sequenceLength(byte[] bytes, int i, int to) {
        int lead = bytes[i] & 0xff;
        int min = 0x80;
        int max = 0xbf;
        int length;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        }
        else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            min = (lead == 0xe0) ? 0xa0 : min;
            max = (lead == 0xed) ? 0x9f : max;
        }
        else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            min = (lead == 0xf0) ? 0x90 : min;
            max = (lead == 0xf4) ? 0x8f : max;
        }
        else {
            return 0;
        }
        if (i + length > to) {
            return 0;
        }
        int second = bytes[i + 1] & 0xff;
        if (second < min || second > max) {
            return 0;
        }
        for (int k = 2; k < length; k++) {
            int next = bytes[i + k] & 0xff;
            if (next < 0x80 || next > 0xbf) {
                return 0;
            }
        }
        return length;
    }

}
