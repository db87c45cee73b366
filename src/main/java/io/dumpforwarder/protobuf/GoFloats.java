package io.dumpforwarder.protobuf;

import tools.jackson.core.io.schubfach.DoubleToDecimal;
import tools.jackson.core.io.schubfach.FloatToDecimal;

/**
 * A float as jsoniter writes it: Go's {@code strconv.AppendFloat} with the shortest
 * digits that read back the same value ({@code -1} precision, 32 or 64 bits), in plain
 * decimal from 1e-6 to below 1e21 and as {@code d.ddde±XX} outside. The shortest digits
 * are Schubfach's (Jackson's), laid out as Go lays them out straight from Schubfach's
 * string into the JSON.
 */
final class GoFloats {

    private GoFloats() {
    }

    static void write(double value, boolean single, JsonBytes out) {
        if (value == 0) {
            out.ascii((Double.doubleToRawLongBits(value) < 0) ? "-0" : "0");
            return;
        }
        String java = single ? FloatToDecimal.toString((float) value) : DoubleToDecimal.toString(value);
        int start = (java.charAt(0) == '-') ? 1 : 0;
        int e = java.indexOf('E', start);
        int end = (e < 0) ? java.length() : e;
        int point = java.indexOf('.', start);
        // The significant digits are java[from, to), but the point: leading and trailing
        // zeros left out. The decimal point goes after pointAt of them.
        int from = start;
        int pointAt = point - start + ((e < 0) ? 0 : Integer.parseInt(java, e + 1, java.length(), 10));
        while (from < end - 1 && (java.charAt(from) == '0' || java.charAt(from) == '.')) {
            pointAt -= (java.charAt(from) == '0') ? 1 : 0;
            from++;
        }
        int to = end;
        while (to - 1 > from && (java.charAt(to - 1) == '0' || java.charAt(to - 1) == '.')) {
            to--;
        }
        int count = to - from - ((point >= from && point < to) ? 1 : 0);
        double abs = Math.abs(value);
        if (count == 2 && (single ? (float) abs < Float.MIN_NORMAL : abs < Double.MIN_NORMAL)) {
            // Schubfach gives at least two digits (Double.MIN_VALUE is 4.9E-324), Go the
            // shortest that reads back (5e-324). Only a subnormal can read back from one
            // digit where two were given, a normal value's neighbours being far closer.
            int first = digit(java, from, point, 0) - '0';
            int up = first + 1;
            int[] tries = (digit(java, from, point, 1) >= '5') ? new int[] { up, first } : new int[] { first, up };
            for (int digit : tries) {
                int shift = (digit == 10) ? 1 : 0;
                String candidate = ((digit == 10) ? 1 : digit) + "e" + (pointAt - 1 + shift);
                double back = single ? Float.parseFloat(candidate) : Double.parseDouble(candidate);
                if (back == abs) {
                    java = ((digit == 10) ? 1 : digit) + ".0";
                    from = 0;
                    to = 1;
                    point = 1;
                    count = 1;
                    pointAt += shift;
                    break;
                }
            }
        }
        if (start == 1) {
            out.raw((byte) '-');
        }
        boolean scientific = single ? ((float) abs < 1e-6f || (float) abs >= 1e21f) : (abs < 1e-6 || abs >= 1e21);
        if (scientific) {
            out.raw((byte) digit(java, from, point, 0));
            if (count > 1) {
                out.raw((byte) '.');
                digits(java, from, point, 1, count, out);
            }
            int exponent = pointAt - 1;
            out.raw((byte) 'e');
            out.raw((byte) ((exponent < 0) ? '-' : '+'));
            int magnitude = Math.abs(exponent);
            if (magnitude >= 100) {
                out.raw((byte) ('0' + magnitude / 100));
            }
            out.raw((byte) ('0' + magnitude / 10 % 10));
            out.raw((byte) ('0' + magnitude % 10));
        }
        else if (pointAt <= 0) {
            out.raw((byte) '0');
            out.raw((byte) '.');
            for (int i = pointAt; i < 0; i++) {
                out.raw((byte) '0');
            }
            digits(java, from, point, 0, count, out);
        }
        else if (pointAt >= count) {
            digits(java, from, point, 0, count, out);
            for (int i = count; i < pointAt; i++) {
                out.raw((byte) '0');
            }
        }
        else {
            digits(java, from, point, 0, pointAt, out);
            out.raw((byte) '.');
            digits(java, from, point, pointAt, count, out);
        }
    }

    /** The significant digits from {@code k} to {@code until}. */
    private static void digits(String java, int from, int point, int k, int until, JsonBytes out) {
        for (int i = k; i < until; i++) {
            out.raw((byte) digit(java, from, point, i));
        }
    }

    /** The {@code k}th significant digit: the point skipped. */
    private static char digit(String java, int from, int point, int k) {
        int at = from + k;
        return java.charAt((point >= from && at >= point) ? at + 1 : at);
    }

}
