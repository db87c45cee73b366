package io.dumpforwarder.ingest;

import io.netty.handler.codec.http.HttpHeaderValues;

import org.springframework.http.MediaType;

/**
 * The accepted body formats: a JSON dump, NDJSON dumps, a protobuf dump
 * ({@code application/x-protobuf}) and length-delimited protobuf dumps
 * ({@code application/x-protobuf; delimited=true}); any other media type, or a charset
 * other than UTF-8, is refused.
 */
enum BodyFormat {

    JSON, NDJSON, PROTOBUF, PROTOBUF_DELIMITED;

    static final String PROTOBUF_TYPE = "application/x-protobuf";

    private static final MediaType PROTOBUF_MEDIA_TYPE = MediaType.parseMediaType(PROTOBUF_TYPE);

    /** Whether a body holds one dump, not many. */
    boolean single() {
        return this == JSON || this == PROTOBUF;
    }

    boolean protobuf() {
        return this == PROTOBUF || this == PROTOBUF_DELIMITED;
    }

    static BodyFormat of(String contentType) {
        if (contentType == null) {
            return null;
        }
        // The common case without parsing: the bare media type.
        if (HttpHeaderValues.APPLICATION_JSON.contentEqualsIgnoreCase(contentType)) {
            return JSON;
        }
        if (MediaType.APPLICATION_NDJSON_VALUE.equalsIgnoreCase(contentType)) {
            return NDJSON;
        }
        if (PROTOBUF_TYPE.equalsIgnoreCase(contentType)) {
            return PROTOBUF;
        }
        MediaType type;
        try {
            type = MediaType.parseMediaType(contentType);
            if (type.getCharset() != null && !"UTF-8".equalsIgnoreCase(type.getCharset().name())) {
                return null;
            }
        }
        catch (IllegalArgumentException ex) {
            // Not a media type, or a charset that does not exist.
            return null;
        }
        if (MediaType.APPLICATION_JSON.equalsTypeAndSubtype(type)) {
            return JSON;
        }
        if (PROTOBUF_MEDIA_TYPE.equalsTypeAndSubtype(type)) {
            String delimited = type.getParameter("delimited");
            if (delimited == null) {
                return PROTOBUF;
            }
            delimited = delimited.replace("\"", "");
            if ("true".equalsIgnoreCase(delimited)) {
                return PROTOBUF_DELIMITED;
            }
            return "false".equalsIgnoreCase(delimited) ? PROTOBUF : null;
        }
        return MediaType.APPLICATION_NDJSON.equalsTypeAndSubtype(type) ? NDJSON : null;
    }

}
