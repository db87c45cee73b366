package io.dumpforwarder.body;

import java.util.List;
import java.util.Locale;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.compression.Decompressor;
import io.netty.handler.codec.compression.JdkZlibDecompressor;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.compression.ZstdDecompressor;

/**
 * The content codings a request body may arrive in ({@code Content-Encoding}, RFC 9110
 * 8.4): decompressed as the body arrives, by Netty's streaming decompressors (zlib from
 * the JDK, zstd from zstd-jni), which hand out their output a buffer at a time so that no
 * more is inflated than the reader takes.
 */
public enum ContentCoding {

    IDENTITY, GZIP, DEFLATE, ZSTD;

    /**
     * What {@code Accept-Encoding} answers a body in any other coding (RFC 9110 15.5.16).
     */
    public static final String ACCEPTED = "gzip, deflate, zstd, identity";

    /** Output buffers of the zlib decompressor are at most this large. */
    private static final int MAX_OUTPUT = 64 * 1024;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /**
     * The coding the {@code Content-Encoding} values name; {@code null} for one not
     * supported and for a list of codings (each would have to be undone in turn, and no
     * caller needs it).
     */
    public static ContentCoding of(List<String> headers) {
        if (headers.isEmpty()) {
            return IDENTITY;
        }
        if (headers.size() > 1 || headers.get(0).indexOf(',') >= 0) {
            return null;
        }
        return switch (headers.get(0).trim().toLowerCase(Locale.ROOT)) {
            case "identity", "" -> IDENTITY;
            case "gzip", "x-gzip" -> GZIP;
            case "deflate" -> DEFLATE;
            case "zstd" -> ZSTD;
            default -> null;
        };
    }

    /** The {@code encoding} tag of the meters. */
    public String tag() {
        return this.tag;
    }

    /** A decompressor for one body; {@code null} for identity. */
    Decompressor decompressor(ByteBufAllocator allocator) {
        return switch (this) {
            case IDENTITY -> null;
            case GZIP -> JdkZlibDecompressor.builder()
                .wrapper(ZlibWrapper.GZIP)
                .decompressConcatenated(true)
                .maxAllocation(MAX_OUTPUT)
                .build(allocator);
            // "deflate" is the zlib format (RFC 9110 8.4.1.2); some senders leave out its
            // header, as browsers long accepted, so a raw deflate stream is taken too.
            case DEFLATE -> JdkZlibDecompressor.builder()
                .wrapper(ZlibWrapper.ZLIB_OR_NONE)
                .maxAllocation(MAX_OUTPUT)
                .build(allocator);
            case ZSTD -> ZstdDecompressor.builder().build(allocator);
        };
    }

}
