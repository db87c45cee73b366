package io.dumpforwarder.support;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * An h2c connection with prior knowledge, frame by frame, for what no HTTP/2 client
 * library would send: streams reset as soon as opened, a flow-control window of 0 that is
 * never opened, frames never read.
 */
public final class RawHttp2 implements AutoCloseable {

    /** RST_STREAM's error code for a stream the server did not process. */
    public static final int REFUSED_STREAM = 0x7;

    private static final int DATA = 0x0;

    private static final int HEADERS = 0x1;

    private static final int RST_STREAM = 0x3;

    private static final int SETTINGS = 0x4;

    private static final int END_STREAM = 0x1;

    private static final int END_HEADERS = 0x4;

    private final Socket socket;

    private final OutputStream out;

    private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();

    private int nextStream = 1;

    /**
     * Connects, sending the preface and SETTINGS; {@code initialWindow} is the window the
     * server may send into on each stream, or -1 for HTTP/2's default.
     */
    public RawHttp2(int port, int initialWindow) throws IOException {
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        this.socket.setSoTimeout(10_000);
        this.out = this.socket.getOutputStream();
        this.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer settings = ByteBuffer.allocate((initialWindow >= 0) ? 6 : 0);
        if (initialWindow >= 0) {
            settings.putShort((short) 0x4).putInt(initialWindow);
        }
        frame(SETTINGS, 0, 0, settings.array());
        this.out.flush();
    }

    /**
     * Opens a stream with a {@code POST /v1/dumps} of this content type and length, and
     * sends {@code body} on it (the end of the stream if it is the whole body); returns
     * the stream's id.
     */
    public int post(String contentType, long contentLength, byte[] body) throws IOException {
        return post(contentType, contentLength, body, null, null);
    }

    /**
     * As {@link #post(String, long, byte[])}, with one more header, sent as given (not
     * checked here: a name in capitals, a value too long).
     */
    public int post(String contentType, long contentLength, byte[] body, String name, String value) throws IOException {
        int stream = this.nextStream;
        this.nextStream += 2;
        Http2Headers headers = new DefaultHttp2Headers(false).method("POST")
            .path("/v1/dumps")
            .scheme("http")
            .authority("127.0.0.1")
            .set("content-type", contentType)
            .setLong("content-length", contentLength);
        if (name != null) {
            headers.set(name, value);
        }
        ByteBuf block = Unpooled.buffer();
        try {
            this.hpack.encodeHeaders(stream, headers, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            frame(HEADERS, END_HEADERS, stream, bytes);
        }
        catch (Http2Exception ex) {
            throw new IOException(ex);
        }
        finally {
            block.release();
        }
        frame(DATA, (body.length == contentLength) ? END_STREAM : 0, stream, body);
        return stream;
    }

    /** Resets a stream, as a client that gave up on it does (error code CANCEL). */
    public void reset(int stream) throws IOException {
        frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(0x8).array());
    }

    public void flush() throws IOException {
        this.out.flush();
    }

    /**
     * Reads frames until one of RST_STREAM with this error code arrives (true), or the
     * server closes the connection (false).
     */
    public boolean awaitReset(int errorCode) throws IOException {
        DataInputStream in = new DataInputStream(this.socket.getInputStream());
        try {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                in.readInt();
                byte[] payload = in.readNBytes(length);
                if (type == RST_STREAM && ByteBuffer.wrap(payload).getInt() == errorCode) {
                    return true;
                }
            }
        }
        catch (java.io.EOFException | SocketTimeoutException ex) {
            return false;
        }
    }

    /** Whether the server has closed the connection: reads and drops until it does. */
    public boolean closedByServer() throws IOException {
        try {
            while (this.socket.getInputStream().read(new byte[8192]) >= 0) {
                // Frames the server sent before closing.
            }
            return true;
        }
        catch (SocketTimeoutException ex) {
            return false;
        }
        catch (IOException ex) {
            // Reset: closed too.
            return true;
        }
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        this.out.write(new byte[] { (byte) (payload.length >>> 16), (byte) (payload.length >>> 8),
                (byte) payload.length, (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16),
                (byte) (stream >>> 8), (byte) stream });
        this.out.write(payload);
    }

    @Override
    public void close() throws IOException {
        this.socket.close();
    }

}
