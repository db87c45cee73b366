package io.dumpforwarder.ingest;

import io.netty.handler.codec.http.HttpHeaderValues;

import org.springframework.http.MediaType;

/**
 * The two accepted body formats; any other media type, or a charset other than UTF-8, is
 * refused.
 */
enum BodyFormat {

    JSON, NDJSON;

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
        return MediaType.APPLICATION_NDJSON.equalsTypeAndSubtype(type) ? NDJSON : null;
    }

}
