package io.dumpforwarder.ingest;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes {@link JsonCheck} against Jackson ({@link JacksonReader}): whatever the bytes,
 * the same verdict, and the same identifiers when they are accepted; and the same again
 * when they are a slice of larger bytes. {@code mvn verify} replays the corpus (JSON,
 * UTF-8 and Jackson's limits where a reader could part from Jackson); with
 * {@code JAZZER_FUZZ=1} it fuzzes for a bounded time.
 */
class JsonCheckFuzzTests {

    @FuzzTest(maxDuration = "60s")
    @DictionaryEntries({ "\"uid\":", "\"traceId\":", "\"u\\u0069d\":", "\\ud800", "\\udc00", "\\uDBFF", "\\u0000",
            "\\u00e9", "\\", "true", "false", "null", "-0", "0.5", "1e-5", "1E+9", "\u00e9", "\u2028", "\ud83d\ude00",
            "\ufeff", "[[[[[[[[", "{\"a\":{\"a\":{\"a\":" })
    void givesJacksonsVerdictOnEveryInput(FuzzedDataProvider data) {
        byte[] dump = data.consumeRemainingAsBytes();

        JsonCheckTests.assertSameAsJackson(dump);
        byte[] framed = new byte[dump.length + 2];
        framed[0] = '{';
        System.arraycopy(dump, 0, framed, 1, dump.length);
        framed[framed.length - 1] = '}';
        assertThat(verdict(framed, 1, dump.length)).isEqualTo(verdict(dump, 0, dump.length));
    }

    private static Object verdict(byte[] bytes, int offset, int length) {
        try {
            return JsonCheck.read(bytes, offset, length);
        }
        catch (InvalidDumpException ex) {
            return ex.getMessage();
        }
    }

}
