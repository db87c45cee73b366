package io.dumpforwarder.protobuf;

import tools.jackson.core.io.schubfach.DoubleToDecimal;
import tools.jackson.core.io.schubfach.FloatToDecimal;

/**
 * A float as jsoniter writes it: Go's {@code strconv.AppendFloat} with the shortest
 * digits that read back the same value ({@code -1} precision, 32 or 64 bits), in plain
 * decimal from 1e-6 to below 1e21 and as {@code d.ddde±XX} outside. The shortest digits
 * are Schubfach's (Jackson's), then laid out as Go lays them out.
 */
final class GoFloats {

    private GoFloats() {
    }

    static String format(double value, boolean single) {
        if (value == 0) {
            return (Double.doubleToRawLongBits(value) < 0) ? "-0" : "0";
        }
        String java = single ? FloatToDecimal.toString((float) value) : DoubleToDecimal.toString(value);
        boolean negative = java.charAt(0) == '-';
        int e = java.indexOf('E');
        String mantissa = java.substring(negative ? 1 : 0, (e < 0) ? java.length() : e);
        int exponent = (e < 0) ? 0 : Integer.parseInt(java.substring(e + 1));
        int point = mantissa.indexOf('.');
        String digits = mantissa.substring(0, point) + mantissa.substring(point + 1);
        int pointAt = point + exponent;
        int lead = 0;
        while (lead < digits.length() - 1 && digits.charAt(lead) == '0') {
            lead++;
        }
        digits = digits.substring(lead);
        pointAt -= lead;
        int end = digits.length();
        while (end > 1 && digits.charAt(end - 1) == '0') {
            end--;
        }
        digits = digits.substring(0, end);
        if (digits.length() == 2) {
            // Java prints at least two digits (Double.MIN_VALUE is 4.9E-324), Go the
            // shortest that reads back (5e-324): try one digit, the nearer first.
            int first = digits.charAt(0) - '0';
            int up = first + 1;
            int[] tries = (digits.charAt(1) >= '5') ? new int[] { up, first } : new int[] { first, up };
            for (int digit : tries) {
                int shift = (digit == 10) ? 1 : 0;
                String candidate = ((digit == 10) ? 1 : digit) + "e" + (pointAt - 1 + shift);
                double back = single ? Float.parseFloat(candidate) : Double.parseDouble(candidate);
                if (back == Math.abs(value)) {
                    digits = String.valueOf((digit == 10) ? 1 : digit);
                    pointAt += shift;
                    break;
                }
            }
        }
        double abs = Math.abs(value);
        boolean scientific = single ? ((float) abs < 1e-6f || (float) abs >= 1e21f) : (abs < 1e-6 || abs >= 1e21);
        StringBuilder go = new StringBuilder(digits.length() + 8);
        if (negative) {
            go.append('-');
        }
        if (scientific) {
            go.append(digits.charAt(0));
            if (digits.length() > 1) {
                go.append('.').append(digits, 1, digits.length());
            }
            int goExponent = pointAt - 1;
            go.append('e').append((goExponent < 0) ? '-' : '+');
            int magnitude = Math.abs(goExponent);
            if (magnitude < 10) {
                go.append('0');
            }
            return go.append(magnitude).toString();
        }
        if (pointAt <= 0) {
            go.append("0.");
            go.append("0".repeat(-pointAt));
            return go.append(digits).toString();
        }
        if (pointAt >= digits.length()) {
            go.append(digits);
            return go.append("0".repeat(pointAt - digits.length())).toString();
        }
        return go.append(digits, 0, pointAt).append('.').append(digits, pointAt, digits.length()).toString();
    }

}
