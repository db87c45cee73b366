package io.dumpforwarder.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.dumpforwarder.body.Utf8;

/**
 * One pass over a dump's bytes that checks them as Jackson 3's streaming parser does with
 * its default limits (StreamReadConstraints): strict UTF-8 ({@link Utf8}), exactly one
 * JSON object. It picks the top-level {@code uid} and {@code traceId} as
 * {@link DumpReader} describes, and builds no token and interns no name on the way: only
 * the identifiers' values become strings. {@code JsonCheckFuzzTests} holds it to
 * Jackson's verdict.
 */
final class JsonCheck {

    /** Jackson's default nesting limit; the dump's own object is the first level. */
    static final int MAX_DEPTH = 500;

    /**
     * Jackson's default number length: its digits, without the sign, the decimal point,
     * the exponent's mark or the exponent's sign.
     */
    static final int MAX_NUMBER_LENGTH = 1000;

    /** Jackson's default name length: the UTF-8 bytes of the name, escapes decoded. */
    static final int MAX_NAME_LENGTH = 50_000;

    /**
     * Jackson's default string length, in UTF-16 units: it applies to the strings Jackson
     * decoded, here only the top-level {@code uid} and {@code traceId}, others being
     * skipped.
     */
    static final int MAX_STRING_LENGTH = 100_000_000;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long ONES = 0x0101010101010101L;

    private static final long HIGH_BITS = 0x8080808080808080L;

    private static final long SPACES = 0x2020202020202020L;

    private static final long QUOTES = 0x2222222222222222L;

    private static final long BACKSLASHES = 0x5c5c5c5c5c5c5c5cL;

    private static final byte[] UID_NAME = "uid".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] TRACE_ID_NAME = "traceId".getBytes(StandardCharsets.US_ASCII);

    private static final int NO_ID = 0;

    private static final int UID = 1;

    private static final int TRACE_ID = 2;

    private final byte[] bytes;

    private final int start;

    private final int end;

    private String uid;

    private String traceId;

    private JsonCheck(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.start = start;
        this.end = end;
    }

    /**
     * The identifiers of the dump in {@code bytes[offset, offset + length)}; throws
     * {@link InvalidDumpException} saying what is wrong otherwise, and where: a byte that
     * is not UTF-8 anywhere in the dump is named first, as when UTF-8 was checked in a
     * pass of its own.
     */
    static DumpReader.Ids read(byte[] bytes, int offset, int length) {
        return new JsonCheck(bytes, offset, offset + length).document();
    }

    private DumpReader.Ids document() {
        int i = this.start;
        // Jackson skips a UTF-8 byte order mark that starts its input.
        if (this.end - i >= 3 && this.bytes[i] == (byte) 0xef && this.bytes[i + 1] == (byte) 0xbb
                && this.bytes[i + 2] == (byte) 0xbf) {
            i += 3;
        }
        i = whitespace(i);
        if (i == this.end || this.bytes[i] != '{') {
            throw refusal("a dump must be a JSON object");
        }
        i = whitespace(object(i + 1, 1));
        if (i < this.end) {
            throw refusal("unexpected content after the JSON object at " + where(i));
        }
        return new DumpReader.Ids(this.uid, this.traceId);
    }

    /** After the object whose first byte after '{' is at {@code i}, at {@code depth}. */
    private int object(int i, int depth) {
        if (depth > MAX_DEPTH) {
            throw malformed(i - 1, "nesting depth over the limit of " + MAX_DEPTH);
        }
        i = whitespace(i);
        if (i < this.end && this.bytes[i] == '}') {
            return i + 1;
        }
        while (true) {
            if (i == this.end || this.bytes[i] != '"') {
                throw malformed(i, "expected '\"' to start a property name, found " + found(i));
            }
            int name = i + 1;
            i = string(name, true);
            int id = (depth == 1) ? id(name, i - 1) : NO_ID;
            i = whitespace(i);
            if (i == this.end || this.bytes[i] != ':') {
                throw malformed(i, "expected ':' after a property name, found " + found(i));
            }
            i = whitespace(value(whitespace(i + 1), depth, id));
            if (i < this.end && this.bytes[i] == ',') {
                i = whitespace(i + 1);
            }
            else if (i < this.end && this.bytes[i] == '}') {
                return i + 1;
            }
            else {
                throw malformed(i, "expected ',' or '}' after a property value, found " + found(i));
            }
        }
    }

    /** After the array whose first byte after '[' is at {@code i}, at {@code depth}. */
    private int array(int i, int depth) {
        if (depth > MAX_DEPTH) {
            throw malformed(i - 1, "nesting depth over the limit of " + MAX_DEPTH);
        }
        i = whitespace(i);
        if (i < this.end && this.bytes[i] == ']') {
            return i + 1;
        }
        while (true) {
            i = whitespace(value(i, depth, NO_ID));
            if (i < this.end && this.bytes[i] == ',') {
                i = whitespace(i + 1);
            }
            else if (i < this.end && this.bytes[i] == ']') {
                return i + 1;
            }
            else {
                throw malformed(i, "expected ',' or ']' after an array element, found " + found(i));
            }
        }
    }

    /**
     * After the value at {@code i}, in a container at {@code depth}; the value of the
     * identifier {@code id} names, if any: a string or an integer as written, nothing for
     * other scalars, while an object or an array leaves it as it was.
     */
    private int value(int i, int depth, int id) {
        int after;
        switch ((i < this.end) ? this.bytes[i] : -1) {
            case '"':
                after = string(i + 1, false);
                if (id != NO_ID) {
                    identify(id, stringId(i + 1, after - 1));
                }
                return after;
            case '{':
                return object(i + 1, depth + 1);
            case '[':
                return array(i + 1, depth + 1);
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
                after = number(i);
                if (id != NO_ID) {
                    identify(id, integerId(i, after));
                }
                return after;
            case 't':
                after = literal(i, "true");
                break;
            case 'f':
                after = literal(i, "false");
                break;
            case 'n':
                after = literal(i, "null");
                break;
            default:
                throw malformed(i, "expected a value, found " + found(i));
        }
        if (id != NO_ID) {
            identify(id, null);
        }
        return after;
    }

    /**
     * After the closing quote of the string whose first byte after the opening quote is
     * at {@code i}. Plain bytes are passed over eight at a time.
     */
    private int string(int i, boolean name) {
        int from = i;
        while (true) {
            if (i + Long.BYTES <= this.end) {
                long special = special((long) LONGS.get(this.bytes, i));
                if (special == 0) {
                    i += Long.BYTES;
                    continue;
                }
                i += Long.numberOfTrailingZeros(special) >>> 3;
            }
            else {
                while (i < this.end && isPlain(this.bytes[i])) {
                    i++;
                }
                if (i == this.end) {
                    throw malformed(i, "the dump ends inside a string");
                }
            }
            int b = this.bytes[i] & 0xff;
            if (b == '"') {
                if (name && i - from > MAX_NAME_LENGTH && nameLength(from, i) > MAX_NAME_LENGTH) {
                    throw malformed(from, "a property name of " + nameLength(from, i) + " bytes is over the limit of "
                            + MAX_NAME_LENGTH);
                }
                return i + 1;
            }
            if (b == '\\') {
                if (name) {
                    i = nameEscape(i);
                }
                else {
                    escaped(i);
                    i += escapeLength(i);
                }
            }
            else if (b < 0x20) {
                throw malformed(i, String.format("control character 0x%02X in a string, where it must be escaped", b));
            }
            else {
                int length = Utf8.sequenceLength(this.bytes, i, this.end);
                if (length == 0) {
                    // The refusal names the byte.
                    throw malformed(i, "not UTF-8");
                }
                i += length;
            }
        }
    }

    /**
     * After the escape at {@code i} in a property name, where Jackson decodes the
     * escapes: a high surrogate must be followed by an escaped low one, and no low one
     * stands alone.
     */
    private int nameEscape(int i) {
        int unit = escaped(i);
        i += escapeLength(i);
        if (Character.isHighSurrogate((char) unit)) {
            if (i == this.end || this.bytes[i] != '\\') {
                throw malformed(i, String.format(
                        "broken surrogate pair in a property name: \\u%04X must be followed by an escaped low surrogate",
                        unit));
            }
            int low = escaped(i);
            if (!Character.isLowSurrogate((char) low)) {
                throw malformed(i, String
                    .format("broken surrogate pair in a property name: \\u%04X followed by \\u%04X", unit, low));
            }
            return i + escapeLength(i);
        }
        if (Character.isLowSurrogate((char) unit)) {
            throw malformed(i, String.format("a low surrogate \\u%04X without a high one in a property name", unit));
        }
        return i;
    }

    /** The UTF-16 unit the escape at {@code i} stands for. */
    private int escaped(int i) {
        if (i + 1 == this.end) {
            throw malformed(i + 1, "the dump ends inside an escape");
        }
        int b = this.bytes[i + 1];
        switch (b) {
            case '"', '\\', '/':
                return b;
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u':
                break;
            default:
                throw malformed(i, "a backslash followed by " + found(i + 1) + " is not an escape");
        }
        int unit = 0;
        for (int k = i + 2; k < i + 6; k++) {
            int digit = (k < this.end) ? Character.digit(this.bytes[k], 16) : -1;
            if (digit < 0) {
                throw malformed(k, "expected a hex digit in a \\u escape, found " + found(k));
            }
            unit = (unit << 4) | digit;
        }
        return unit;
    }

    /** How many bytes the checked escape at {@code i} takes. */
    private int escapeLength(int i) {
        return (this.bytes[i + 1] == 'u') ? 6 : 2;
    }

    /**
     * The length of the name in {@code bytes[from, to)} as Jackson counts it: the bytes
     * of its UTF-8 with the escapes decoded (a surrogate pair is one character of four
     * bytes).
     */
    private long nameLength(int from, int to) {
        long length = 0;
        for (int i = from; i < to;) {
            if (this.bytes[i] != '\\') {
                length++;
                i++;
                continue;
            }
            int unit = escaped(i);
            i += escapeLength(i);
            if (Character.isHighSurrogate((char) unit)) {
                length += 4;
                i += 6;
            }
            else {
                length += (unit < 0x80) ? 1 : ((unit < 0x800) ? 2 : 3);
            }
        }
        return length;
    }

    /**
     * After the number at {@code i}, checked as Jackson reads one: no leading zero, a
     * digit after the sign, the decimal point and the exponent's mark, and at most
     * {@value #MAX_NUMBER_LENGTH} digits.
     */
    private int number(int i) {
        if (this.bytes[i] == '-') {
            i++;
        }
        int first = i;
        if (i == this.end || !isDigit(this.bytes[i])) {
            throw malformed(i, "expected a digit after '-', found " + found(i));
        }
        i = (this.bytes[i] == '0') ? i + 1 : digits(i);
        if (i < this.end && isDigit(this.bytes[i])) {
            throw malformed(i, "a number must not have a leading zero");
        }
        int length = i - first;
        if (i < this.end && this.bytes[i] == '.') {
            int fraction = i + 1;
            i = digits(fraction);
            if (i == fraction) {
                throw malformed(i, "expected a digit after the decimal point, found " + found(i));
            }
            length += i - fraction;
        }
        if (i < this.end && (this.bytes[i] == 'e' || this.bytes[i] == 'E')) {
            i++;
            if (i < this.end && (this.bytes[i] == '+' || this.bytes[i] == '-')) {
                i++;
            }
            int exponent = i;
            i = digits(exponent);
            if (i == exponent) {
                throw malformed(i, "expected a digit in the exponent, found " + found(i));
            }
            length += i - exponent;
        }
        if (length > MAX_NUMBER_LENGTH) {
            throw malformed(first, "a number of " + length + " digits is over the limit of " + MAX_NUMBER_LENGTH);
        }
        return i;
    }

    private int digits(int i) {
        while (i < this.end && isDigit(this.bytes[i])) {
            i++;
        }
        return i;
    }

    private int literal(int i, String word) {
        for (int k = 0; k < word.length(); k++) {
            if (i + k == this.end || this.bytes[i + k] != word.charAt(k)) {
                throw malformed(i + k, "expected '" + word + "', found " + found(i + k));
            }
        }
        return i + word.length();
    }

    private int whitespace(int i) {
        while (i < this.end) {
            byte b = this.bytes[i];
            if (b > ' ' || (b != ' ' && b != '\n' && b != '\r' && b != '\t')) {
                break;
            }
            i++;
        }
        return i;
    }

    /** Which identifier the top-level name in {@code bytes[from, to)} is, if any. */
    private int id(int from, int to) {
        if (to - from == UID_NAME.length && Arrays.equals(this.bytes, from, to, UID_NAME, 0, UID_NAME.length)) {
            return UID;
        }
        if (to - from == TRACE_ID_NAME.length
                && Arrays.equals(this.bytes, from, to, TRACE_ID_NAME, 0, TRACE_ID_NAME.length)) {
            return TRACE_ID;
        }
        for (int i = from; i < to; i++) {
            if (this.bytes[i] == '\\') {
                // An escaped name, decoded to be compared.
                String name = ascii(from, to, TRACE_ID_NAME.length);
                return ("uid".equals(name)) ? UID : (("traceId".equals(name)) ? TRACE_ID : NO_ID);
            }
        }
        return NO_ID;
    }

    private void identify(int id, String value) {
        if (id == UID) {
            this.uid = value;
        }
        else {
            this.traceId = value;
        }
    }

    /**
     * The identifier in the string {@code bytes[from, to)}, which Jackson decodes (so its
     * string length limit applies), if it is safe as a header.
     */
    private String stringId(int from, int to) {
        if (to - from > MAX_STRING_LENGTH && utf16Length(from, to) > MAX_STRING_LENGTH) {
            throw malformed(from,
                    "a string of " + utf16Length(from, to) + " characters is over the limit of " + MAX_STRING_LENGTH);
        }
        return DumpReader.headerSafe(ascii(from, to, DumpReader.MAX_ID_LENGTH));
    }

    /**
     * The integer in {@code bytes[from, to)} as written, if it is one and is safe as a
     * header.
     */
    private String integerId(int from, int to) {
        for (int i = from; i < to; i++) {
            if (this.bytes[i] == '.' || this.bytes[i] == 'e' || this.bytes[i] == 'E') {
                return null;
            }
        }
        return (to - from <= DumpReader.MAX_ID_LENGTH)
                ? DumpReader.headerSafe(new String(this.bytes, from, to - from, StandardCharsets.US_ASCII)) : null;
    }

    /**
     * The checked string content in {@code bytes[from, to)} with its escapes decoded, if
     * it is at most {@code max} characters, all ASCII; null otherwise.
     */
    private String ascii(int from, int to, int max) {
        StringBuilder text = new StringBuilder(Math.min(to - from, max));
        for (int i = from; i < to;) {
            int c = this.bytes[i];
            if (c == '\\') {
                c = escaped(i);
                i += escapeLength(i);
            }
            else {
                i++;
            }
            if (c < 0 || c > 0x7f || text.length() == max) {
                return null;
            }
            text.append((char) c);
        }
        return text.toString();
    }

    /**
     * How many UTF-16 units the checked string content in {@code bytes[from, to)} decodes
     * to.
     */
    private long utf16Length(int from, int to) {
        long length = 0;
        for (int i = from; i < to; length++) {
            int b = this.bytes[i] & 0xff;
            if (b == '\\') {
                i += escapeLength(i);
            }
            else if (b < 0x80) {
                i++;
            }
            else {
                int sequence = Utf8.sequenceLength(this.bytes, i, to);
                length += (sequence == 4) ? 1 : 0;
                i += sequence;
            }
        }
        return length;
    }

    /**
     * The refusal of JSON found wrong at {@code at}: said to be malformed there, unless
     * the dump is not UTF-8.
     */
    private InvalidDumpException malformed(int at, String reason) {
        return refusal("malformed JSON at " + where(at) + ": " + reason);
    }

    /** The refusal of the dump for {@code message}, unless the dump is not UTF-8. */
    private InvalidDumpException refusal(String message) {
        int invalid = Utf8.firstInvalid(this.bytes, this.start, this.end);
        if (invalid < 0) {
            return new InvalidDumpException(message);
        }
        byte b = this.bytes[invalid];
        String what = (b == 0) ? "a NUL byte" : String.format("byte 0x%02X", b & 0xff);
        return new InvalidDumpException("not UTF-8: " + what + " at offset " + (invalid - this.start)
                + " (JSON must be UTF-8, RFC 8259 8.1: no UTF-16 or UTF-32, no overlong forms or surrogates)");
    }

    /** The line and column of {@code at}, both from 1, the column in bytes. */
    private String where(int at) {
        int line = 1;
        int lineStart = this.start;
        for (int i = this.start; i < at; i++) {
            if (this.bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "line " + line + ", column " + (at - lineStart + 1);
    }

    /**
     * What is at {@code at}, for a message: a visible ASCII character, a byte or a code
     * point.
     */
    private String found(int at) {
        if (at >= this.end) {
            return "the end of the dump";
        }
        int b = this.bytes[at] & 0xff;
        if (b > 0x20 && b < 0x7f) {
            return "'" + (char) b + "'";
        }
        int length = (b < 0x80) ? 1 : Utf8.sequenceLength(this.bytes, at, this.end);
        if (length == 0) {
            return String.format("byte 0x%02X", b);
        }
        return String.format("U+%04X", new String(this.bytes, at, length, StandardCharsets.UTF_8).codePointAt(0));
    }

    /**
     * Zero when no byte of {@code word} needs care in a string (a quote, a backslash, a
     * control character, a byte of a multi-byte sequence); otherwise its lowest set bit
     * is the high bit of the first byte that does, the word read little-endian.
     */
    private static long special(long word) {
        long quotes = word ^ QUOTES;
        long backslashes = word ^ BACKSLASHES;
        return (((word - SPACES) & ~word) | ((quotes - ONES) & ~quotes) | ((backslashes - ONES) & ~backslashes) | word)
                & HIGH_BITS;
    }

    private static boolean isPlain(byte b) {
        return b >= 0x20 && b != '"' && b != '\\';
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

}
