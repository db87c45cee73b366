package io.dumpforwarder.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dumpforwarder.dump.Dump;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes ingest validation. Whatever the bytes: no exception but the dump's own rejection
 * escapes, every non-blank NDJSON line becomes exactly one dump or one error (so a batch
 * is never half-read), every dump is an unchanged slice of the body in strict UTF-8, and
 * every identifier taken from a dump is safe as a header. {@code mvn verify} replays the
 * corpus; with {@code JAZZER_FUZZ=1} (as in CI) it fuzzes for a bounded time.
 */
class IngestFuzzTests {

    /** A request without trace or idempotency headers. */
    private static final RequestIds NO_IDS = new RequestIds(null, null, null, "unknown");

    @FuzzTest(maxDuration = "60s")
    void everyLineBecomesOneDumpOrOneErrorAndNothingElseEscapes(FuzzedDataProvider data) {
        int maxDumpSize = data.consumeInt(1, 2048);
        byte[] body = data.consumeRemainingAsBytes();

        NdjsonBody batch = NdjsonBody.read(body, maxDumpSize, NO_IDS, 0);

        assertThat(batch.dumps().size() + batch.errors().size()).isEqualTo(judgedLines(body));
        for (Dump dump : batch.dumps()) {
            assertThat(dump.size()).isLessThanOrEqualTo(maxDumpSize);
            assertThat(indexOf(body, dump.body())).isNotNegative();
            assertSafe(dump.uid());
            assertSafe(dump.traceId());
            assertUtf8(dump.body());
        }
        batch.errors().forEach((error) -> assertThat(error.detail()).isNotBlank());
        try {
            Dump whole = DumpReader.dump(body, 0, body.length, NO_IDS, 0, 0);
            assertThat(whole.body()).isSameAs(body);
            assertUtf8(whole.body());
        }
        catch (InvalidDumpException ex) {
            assertThat(ex.getMessage()).isNotBlank();
        }
    }

    /**
     * Lines that are not blank (spaces, tabs and a trailing CR are blank), after a
     * leading UTF-8 byte order mark, which is dropped.
     */
    private static int judgedLines(byte[] body) {
        int judged = 0;
        String text = new String(body, StandardCharsets.ISO_8859_1);
        if (text.startsWith("\u00ef\u00bb\u00bf")) {
            text = text.substring(3);
        }
        for (String line : text.split("\n", -1)) {
            if (!line.replace(" ", "").replace("\t", "").replace("\r", "").isEmpty()) {
                judged++;
            }
        }
        return judged;
    }

    /** Strict UTF-8 as the JDK decodes it, and no NUL byte. */
    private static void assertUtf8(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
            assertThat(text).doesNotContain("\u0000");
        }
        catch (CharacterCodingException ex) {
            throw new AssertionError("an accepted dump is not UTF-8: " + ex, ex);
        }
    }

    private static void assertSafe(String id) {
        if (id != null) {
            assertThat(id).hasSizeBetween(1, DumpReader.MAX_ID_LENGTH).matches("[\\x21-\\x7e]+");
        }
    }

    private static int indexOf(byte[] body, byte[] slice) {
        for (int i = 0; i + slice.length <= body.length; i++) {
            if (Arrays.equals(body, i, i + slice.length, slice, 0, slice.length)) {
                return i;
            }
        }
        return -1;
    }

}
