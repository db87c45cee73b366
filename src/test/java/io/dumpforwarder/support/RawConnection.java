package io.dumpforwarder.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A plain TCP connection to the service, for requests no HTTP client library would send.
 */
public final class RawConnection implements AutoCloseable {

    private final Socket socket;

    public RawConnection(int port) throws IOException {
        this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
        this.socket.setSoTimeout(10_000);
    }

    public RawConnection send(String text) throws IOException {
        this.socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        this.socket.getOutputStream().flush();
        return this;
    }

    public RawConnection send(byte[] bytes) throws IOException {
        this.socket.getOutputStream().write(bytes);
        this.socket.getOutputStream().flush();
        return this;
    }

    /** Stops sending: the service sees the end of the stream. */
    public void endOutput() throws IOException {
        this.socket.shutdownOutput();
    }

    /** Everything the service sends until it closes the connection. */
    public String readToEnd() throws IOException {
        return new String(this.socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * The status lines of the next {@code count} answers, each with a Content-Length
     * body.
     */
    public String[] readStatusLines(int count) throws IOException {
        InputStream in = this.socket.getInputStream();
        String[] statuses = new String[count];
        for (int i = 0; i < count; i++) {
            String head = readHead(in);
            if (head == null) {
                break;
            }
            statuses[i] = head.lines().findFirst().orElse("");
            int length = head.lines()
                .filter((line) -> line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                .map((line) -> Integer.parseInt(line.substring(15).strip()))
                .findFirst()
                .orElse(0);
            in.readNBytes(length);
        }
        return statuses;
    }

    /**
     * Everything the service sends until it closes, if it starts sending within the wait;
     * else null.
     */
    public String answerWithin(Duration wait) throws IOException {
        InputStream in = this.socket.getInputStream();
        this.socket.setSoTimeout((int) wait.toMillis());
        try {
            int first = in.read();
            this.socket.setSoTimeout(10_000);
            return (first < 0) ? "" : (char) first + new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        catch (SocketTimeoutException ex) {
            return null;
        }
        catch (IOException ex) {
            // Reset: closed without an answer.
            return "";
        }
        finally {
            this.socket.setSoTimeout(10_000);
        }
    }

    /** Whether the service closed the connection: reading ends, or is reset. */
    public boolean closedByPeer() throws IOException {
        try {
            return this.socket.getInputStream().read() < 0;
        }
        catch (SocketTimeoutException ex) {
            return false;
        }
        catch (IOException ex) {
            return true;
        }
    }

    /**
     * An HTTP message's start line and headers, up to the blank line; null if the stream
     * ends first.
     */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : ((b == '\r') ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        this.socket.close();
    }

}
