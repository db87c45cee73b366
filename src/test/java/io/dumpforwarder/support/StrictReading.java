package io.dumpforwarder.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a strict collector reads a request: strict UTF-8, every line (of NDJSON, or the one
 * body of JSON) one JSON object.
 */
final class StrictReading {

    private static final JsonMapper json = JsonMapper.builder().build();

    private StrictReading() {
    }

    /** Whether a strict collector refuses the request: a bad line, or a poison dump. */
    static boolean refuses(TestCollector.Request request) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(body(request)))
                .toString();
        }
        catch (CharacterCodingException ex) {
            return true;
        }
        boolean ndjson = String.valueOf(request.headers().get("Content-Type")).contains("ndjson");
        for (String line : ndjson ? text.split("\n", -1) : new String[] { text }) {
            if (ndjson && line.isEmpty()) {
                continue;
            }
            try {
                JsonNode dump = json.readTree(line);
                if (!dump.isObject() || dump.has("poison")) {
                    return true;
                }
            }
            catch (JacksonException ex) {
                return true;
            }
        }
        return false;
    }

    static byte[] body(TestCollector.Request request) {
        if (!"gzip".equals(request.headers().get("Content-Encoding"))) {
            return request.body();
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(request.body()))) {
            return in.readAllBytes();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

}
