package io.dumpforwarder.ingest;

import io.dumpforwarder.body.Utf8;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;

/**
 * The check {@link DumpReader} made with Jackson 3's streaming parser and its default
 * limits before {@link JsonCheck} (issue 39): strict UTF-8, then exactly one object, its
 * top-level {@code uid} and {@code traceId} taken (the last when given twice). The
 * reference that {@link JsonCheck} must agree with.
 */
final class JacksonReader {

    /** Its buffers recycled per thread, as DumpReader's were. */
    private static final JsonFactory json = JsonFactory.builder()
        .recyclerPool(JsonRecyclerPools.threadLocalPool())
        .build();

    private JacksonReader() {
    }

    /** The dump's identifiers; throws {@link InvalidDumpException} otherwise. */
    static DumpReader.Ids read(byte[] bytes, int offset, int length) {
        if (Utf8.firstInvalid(bytes, offset, offset + length) >= 0) {
            throw new InvalidDumpException("not UTF-8");
        }
        String uid = null;
        String traceId = null;
        try (JsonParser parser = json.createParser(ObjectReadContext.empty(), bytes, offset, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidDumpException("a dump must be a JSON object");
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value.isStructStart()) {
                    parser.skipChildren();
                }
                else if ("uid".equals(name)) {
                    uid = id(parser, value);
                }
                else if ("traceId".equals(name)) {
                    traceId = id(parser, value);
                }
            }
            if (parser.nextToken() != null) {
                throw new InvalidDumpException("unexpected content after the JSON object");
            }
        }
        catch (JacksonException ex) {
            throw new InvalidDumpException("malformed JSON: " + ex.getOriginalMessage());
        }
        return new DumpReader.Ids(uid, traceId);
    }

    private static String id(JsonParser parser, JsonToken value) {
        if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NUMBER_INT) {
            return null;
        }
        return DumpReader.headerSafe(parser.getString());
    }

}
