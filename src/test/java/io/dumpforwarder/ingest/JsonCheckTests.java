package io.dumpforwarder.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link JsonCheck} against Jackson ({@link JacksonReader}) on the inputs where they
 * could part: every one gets the same verdict and the same identifiers. And what a
 * refusal says.
 */
class JsonCheckTests {

    static Stream<String> dumps() {
        List<String> dumps = new ArrayList<>(List.of(
                // Around the object: a byte order mark, whitespace, nothing else.
                "{}", " \r\n\t{} \r\n\t", "\ufeff{}", "\ufeff", "\ufeff ", " \ufeff{}", "\ufeff\ufeff{}", "", "   ",
                "[1,2]", "\"dump\"", "1", "null", "x", "{}\f", "{}\u000b", "{}x", "{}{}", "{}\"abc", "{}]", "{}/",
                "{\"a\":1}//", "{\"a\":1}\u2028", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,",
                // Structure.
                "{\"a\" : 1 , \"b\":[ ] }", "{\"a\":[{}, []]}", "{\"a\":[1,]}", "{\"a\":1,}", "{\"a\":[1,,2]}", "{,}",
                "{\"a\":[1 2]}", "{\"a\":[1:2]}", "{\"a\":{\"b\"}}", "{\"a\":{\"b\":1 \"c\":2}}", "{\"a\":1]",
                "{\"a\":[}", "{\"a\":[1}", "{\"a\":{]}", "{a:1}", "{'a':1}", "{\"a\"\u00a0:1}", "{\"a\":[", "{\"a\":[1",
                "{\"a\":[1,", "{\"a\":[[[[[]]]]],\"b\":{\"c\":{\"d\":{}}}}",
                // Literals.
                "{\"a\":true,\"b\":false,\"c\":null}", "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}", "{\"a\":nulll}",
                "{\"a\":fals}", "{\"a\":falsey}", "{\"a\":True}", "{\"a\":t", "{\"a\":NaN}", "{\"a\":Infinity}",
                "{\"a\":-Infinity}", "{\"a\":-I}",
                // Numbers: no leading zero, no plus, digits after '-', '.' and 'e'.
                "{\"a\":0,\"b\":-0,\"c\":-0.0,\"d\":-0e0,\"e\":0.0e+00,\"f\":1e01,\"g\":1E+2,\"h\":0.5e05}",
                "{\"a\":01}", "{\"a\":-01}", "{\"a\":00}", "{\"a\":1.}", "{\"a\":1.e5}", "{\"a\":-}", "{\"a\":-.5}",
                "{\"a\":.5}", "{\"a\":+5}", "{\"a\":1e}", "{\"a\":0e}", "{\"a\":1e+}", "{\"a\":0x1}", "{\"a\":1.5.}",
                "{\"a\":-", "{\"a\":1.", "{\"a\":1e",
                // Strings: escapes, control characters, DEL and beyond ASCII.
                "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\'\"}",
                "{\"a\":\"\\u00g0\"}", "{\"a\":\"\\u004\"}", "{\"a\":\"\\U0041\"}", "{\"a\":\"\t\"}",
                "{\"a\":\"\u001f\"}", "{\"a\":\"\u007f\u0080\u00e9\u2603\ud83d\ude00\"}", "{\"a\":\"\\u0000\"}",
                "{\"a\":\"\\\"}", "{\"a\":\"\\", "{\"a\":\"\\u12", "{\"a\":\"", "{\"a", "{\"\":1}",
                "{\"\u00e9\":\"\u2603\"}", "{\"a\u0001\":1}", "{\"\\u0000\":1}", "{\"a\":\"\\u00e9\u00e9\"}",
                // Surrogates: a value may hold a lone one, a property name may not.
                "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\\ud800\"}", "{\"uid\":\"\\ud800\"}", "{\"\\ud800\":1}",
                "{\"\\ud800\\udc00\":1}", "{\"\\udbff\\udfff\":1}", "{\"\\ud800\\uDC00\":1}", "{\"\\udc00\":1}",
                "{\"\\ud800\\n\":1}", "{\"\\ud800\\u0041\":1}", "{\"\\ud800\\ud800\":1}", "{\"\\ud800\\udbff\":1}",
                "{\"\\ud800\\udc00\\udc00\":1}", "{\"\\ud800\\", "{\"\\ud800", "{\"\\ud800\\q\":1}",
                "{\"a\":{\"\\ud800\":1}}", "{\"a\":[{\"x\\udfff\":1}]}",
                // Identifiers: top level, the last given, visible ASCII, as written.
                "{\"uid\":\"abc\",\"traceId\":\"5af7651916cd43dd8448eb211c80319c\",\"x\":[1,2,{\"y\":null}]}",
                "{\"uid\":\"\\u0041bc\"}", "{\"u\\u0069d\":\"x\"}",
                "{\"trace\\u0049d\":\"t1\",\"uid\":12345678901234567890}", "{\"uid\":\"a\",\"uid\":true}",
                "{\"uid\":\"a\",\"uid\":{}}", "{\"uid\":\"a\",\"uid\":[1]}", "{\"uid\":\"a\",\"uid\":null}",
                "{\"uid\":null,\"traceId\":false}", "{\"uid\":-12}", "{\"uid\":-0}", "{\"uid\":1e5}", "{\"uid\":1.0}",
                "{\"uid\":-0012}", "{\"uid\":\"\"}", "{\"uid\":\"a\\/b\"}", "{\"uid\":\"\\\"\"}", "{\"uid\":\"a\\tb\"}",
                "{\"uid\":\"ab\\u0000\"}", "{\"uid\":\"\\ud83d\\ude00\"}", "{\"uid\":\"caf\u00e9\"}",
                "{\"traceId\":\"x y\"}", "{\"traceid\":\"t\"}", "{\"a\":{\"uid\":\"inner\"}}",
                "{\"traceId\":\"a\",\"traceId\":\"b\",\"uid\":\"1\",\"uid\":\"2\"}", "{\"uid\":\"\\u00\"}",
                "{\"uid\":1, \"uid\":\"\\q\"}", "{\"uid\":\"abc", "{\"uid\":\"a\"}{", "{\"\\u0075id\":\"\\u0041\"}",
                "{\"uid\\u0000\":\"a\"}", "{\"ui\\d\":\"a\"}"));
        // Jackson's default limits, at and past each, and the identifiers' length.
        dumps.add("{\"a\":".repeat(500) + "1" + "}".repeat(500));
        dumps.add("{\"a\":".repeat(501) + "1" + "}".repeat(501));
        dumps.add("{\"a\":" + "[".repeat(499) + "]".repeat(499) + "}");
        dumps.add("{\"a\":" + "[".repeat(500) + "]".repeat(500) + "}");
        dumps.add("{\"a\":" + "[".repeat(100_000));
        dumps.add("{\"a\":" + "9".repeat(1000) + ",\"b\":-" + "9".repeat(1000) + "}");
        dumps.add("{\"a\":" + "9".repeat(1001) + "}");
        dumps.add("{\"a\":[" + "9".repeat(1001) + "]}");
        dumps.add("{\"a\":0." + "9".repeat(999) + "}");
        dumps.add("{\"a\":0." + "9".repeat(1000) + "}");
        dumps.add("{\"a\":1." + "9".repeat(499) + "e+" + "1".repeat(500) + "}");
        dumps.add("{\"a\":1." + "9".repeat(500) + "e+" + "1".repeat(500) + "}");
        dumps.add("{\"a\":1e-" + "1".repeat(999) + "}");
        dumps.add("{\"a\":1e-" + "1".repeat(1000) + "}");
        // Each unit of a name, as written, with the UTF-8 bytes Jackson counts for it.
        Map<String, Integer> units = Map.of("n", 1, "\u00e9", 2, "\u20ac", 3, "\ud83d\ude00", 4, "\\n", 1, "\\u0041", 1,
                "\\u00e9", 2, "\\u20ac", 3, "\\ud83d\\ude00", 4);
        units.forEach((unit, bytes) -> {
            String name = unit.repeat(JsonCheck.MAX_NAME_LENGTH / bytes)
                    + "n".repeat(JsonCheck.MAX_NAME_LENGTH % bytes);
            dumps.add("{\"" + name + "\":1}");
            dumps.add("{\"a\":{\"" + name + "n\":1}}");
        });
        dumps.add("{\"a\":\"" + "n".repeat(200_000) + "\"}");
        dumps.add("{\"uid\":\"" + "n".repeat(200_000) + "\"}");
        dumps.add("{\"uid\":\"" + "a".repeat(128) + "\",\"traceId\":" + "1".repeat(128) + "}");
        dumps.add("{\"uid\":\"" + "a".repeat(129) + "\",\"traceId\":" + "1".repeat(129) + "}");
        dumps.add("{\"uid\":-" + "1".repeat(127) + ",\"traceId\":\"" + "\\u0041".repeat(128) + "\"}");
        dumps.add("{\"uid\":-" + "1".repeat(128) + ",\"traceId\":\"" + "\\u0041".repeat(129) + "\"}");
        return dumps.stream();
    }

    @ParameterizedTest
    @MethodSource("dumps")
    void givesJacksonsVerdictAndIdentifiers(String dump) {
        assertSameAsJackson(dump.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void givesJacksonsVerdictOnBytesThatAreNotUtf8() {
        for (String hex : List.of("7b2261223a22c0af227d", "7b2261223a22eda080227d", "7b2261223a22f4908080227d",
                "7b2261223a2280227d", "7b2261223a22e282227d", "7b0022006100220020007d00", "feff007b0022", "7b7dff",
                "7b22c3a9223a317d", "7bc3a93a317d", "7b2261223a22e2", "efbbbf7b7d", "efbbbf")) {
            assertSameAsJackson(HexFormat.of().parseHex(hex));
        }
    }

    @Test
    void readsASliceOfTheBytes() {
        byte[] line = "x{\"uid\":\"a\"}{\"uid\":\"b\"}y".getBytes(StandardCharsets.UTF_8);

        assertThat(JsonCheck.read(line, 1, 11)).isEqualTo(new DumpReader.Ids("a", null));
        assertThat(JsonCheck.read(line, 12, 11)).isEqualTo(new DumpReader.Ids("b", null));
        assertThatExceptionOfType(InvalidDumpException.class).isThrownBy(() -> JsonCheck.read(line, 1, 10))
            .withMessage("malformed JSON at line 1, column 11: expected ',' or '}' after a property value, "
                    + "found the end of the dump");
    }

    @Test
    void namesTheFirstByteThatIsNotUtf8BeforeAnythingElse() {
        byte[] dump = HexFormat.of().parseHex("5b7b2261223a22eda080227d");

        assertThatExceptionOfType(InvalidDumpException.class).isThrownBy(() -> JsonCheck.read(dump, 1, 11))
            .withMessage("not UTF-8: byte 0xED at offset 6 (JSON must be UTF-8, RFC 8259 8.1: no UTF-16 or UTF-32, "
                    + "no overlong forms or surrogates)");
        assertThat(refusal("{]\"\u0000\"}")).startsWith("not UTF-8: a NUL byte at offset 3 ");
    }

    @Test
    void saysWhatIsWrongAndWhere() {
        assertThat(refusal("{\n  \"a\" }"))
            .isEqualTo("malformed JSON at line 2, column 7: expected ':' after a property name, found '}'");
        assertThat(refusal("{\"a\":[1,\u00a0]}"))
            .isEqualTo("malformed JSON at line 1, column 9: expected a value, found U+00A0");
        assertThat(refusal("{\"a\":\"\t\"}")).isEqualTo(
                "malformed JSON at line 1, column 7: control character 0x09 in a string, where it must be escaped");
        assertThat(refusal("{\"a\":01}"))
            .isEqualTo("malformed JSON at line 1, column 7: a number must not have a leading zero");
        assertThat(refusal("[]")).isEqualTo("a dump must be a JSON object");
        assertThat(refusal("{} {}")).isEqualTo("unexpected content after the JSON object at line 1, column 4");
        assertThat(refusal("{\"a\":" + "[".repeat(100_000))).contains("nesting depth over the limit of 500");
        assertThat(refusal("{\"a\":" + "9".repeat(1001) + "}"))
            .endsWith("a number of 1001 digits is over the limit of 1000");
        assertThat(refusal("{\"" + "\\u20ac".repeat(16_667) + "\":1}"))
            .endsWith("a property name of 50001 bytes is over the limit of 50000");
    }

    private static String refusal(String dump) {
        byte[] bytes = dump.getBytes(StandardCharsets.UTF_8);
        try {
            JsonCheck.read(bytes, 0, bytes.length);
        }
        catch (InvalidDumpException ex) {
            return ex.getMessage();
        }
        throw new AssertionError("accepted: " + dump);
    }

    static void assertSameAsJackson(byte[] dump) {
        Object expected;
        try {
            expected = JacksonReader.read(dump, 0, dump.length);
        }
        catch (InvalidDumpException ex) {
            expected = InvalidDumpException.class;
        }
        Object actual;
        try {
            actual = JsonCheck.read(dump, 0, dump.length);
        }
        catch (InvalidDumpException ex) {
            assertThat(ex.getMessage()).isNotBlank();
            actual = InvalidDumpException.class;
        }
        assertThat(actual).as(() -> "the verdict on " + HexFormat.of().formatHex(dump)).isEqualTo(expected);
    }

}
