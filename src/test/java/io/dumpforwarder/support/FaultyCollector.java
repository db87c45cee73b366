package io.dumpforwarder.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A collector that misbehaves on demand, on plain blocking sockets so it can do what a
 * well-behaved HTTP server never does: hang, never read, reset mid-answer, trickle, send
 * an endless body, flap, or refuse connections. It keeps its port across all of that. One
 * thread per connection; the client bounds them.
 */
public final class FaultyCollector implements AutoCloseable {

    /** How the collector behaves from now on. */
    public enum Fault {

        /** Answers 204 at once. */
        HEALTHY,
        /** Reads the request and never answers. */
        HANG,
        /**
         * Accepts the connection and never reads, so the sender's socket buffers fill up.
         */
        NO_READ,
        /** Starts a 200 answer, then resets the connection. */
        RESET,
        /** Answers 500. */
        SERVER_ERROR,
        /** Answers 429 with Retry-After. */
        TOO_MANY_REQUESTS,
        /** Answers 503 with Retry-After. */
        UNAVAILABLE,
        /**
         * Healthy for a second, refusing connections the next, and so on, from the moment
         * it is set.
         */
        FLAP,
        /** Answers 200 with a body of one byte every 200 ms. */
        TRICKLE,
        /** Answers 200 with a 1 GB body, sent for as long as the client reads. */
        HUGE_BODY,
        /** Refuses connections: nothing listens on the port. */
        DOWN

    }

    private final int port;

    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private final AtomicLong requests = new AtomicLong();

    private final AtomicLong bodyBytesSent = new AtomicLong();

    private final Thread acceptor;

    private volatile Fault fault = Fault.HEALTHY;

    private volatile boolean closed;

    /**
     * Connections waiting to be accepted, at most, beyond which the kernel drops SYNs.
     */
    private final int backlog;

    /** How long the collector takes to accept each connection. */
    private final long acceptMillis;

    /** Connections accepted so far. */
    private final AtomicLong accepted = new AtomicLong();

    public FaultyCollector() {
        this(200, 0);
    }

    /**
     * A collector that accepts connections slowly, one every {@code acceptMillis}, from
     * an accept queue of {@code backlog}: a burst of connects beyond it is dropped by the
     * kernel (the connecting side sees its SYN unanswered, and times out).
     */
    public FaultyCollector(int backlog, long acceptMillis) {
        this.backlog = backlog;
        this.acceptMillis = acceptMillis;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        this.acceptor = new Thread(this::acceptLoop, "faulty-collector");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    public String url() {
        return "http://127.0.0.1:" + this.port + "/dumps";
    }

    private volatile long flapStarted = System.nanoTime();

    public void set(Fault fault) {
        this.flapStarted = System.nanoTime();
        this.fault = fault;
        if (fault != Fault.HEALTHY) {
            // Faults apply to kept-alive connections too: drop them so every forward
            // meets the fault.
            this.sockets.forEach(FaultyCollector::closeQuietly);
        }
    }

    /** Requests read so far (a request the collector never reads is not counted). */
    public long requests() {
        return this.requests.get();
    }

    /** Connections accepted so far. */
    public long accepted() {
        return this.accepted.get();
    }

    /** Bytes of huge answer bodies the client has taken. */
    public long bodyBytesSent() {
        return this.bodyBytesSent.get();
    }

    private boolean listening() {
        Fault now = this.fault;
        // A flap starts with an up second, so the first forwards after set(FLAP) can
        // succeed.
        return now != Fault.DOWN
                && !(now == Fault.FLAP && ((System.nanoTime() - this.flapStarted) / 1_000_000_000L) % 2 == 1);
    }

    private void acceptLoop() {
        ServerSocket server = null;
        while (!this.closed) {
            try {
                if (!listening()) {
                    closeQuietly(server);
                    server = null;
                    Thread.sleep(20);
                    continue;
                }
                if (server == null) {
                    server = new ServerSocket();
                    server.setReuseAddress(true);
                    server.setReceiveBufferSize(4096);
                    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), this.backlog);
                    server.setSoTimeout(20);
                }
                Socket socket = server.accept();
                this.accepted.incrementAndGet();
                this.sockets.add(socket);
                Thread handler = new Thread(() -> serve(socket), "faulty-collector-connection");
                handler.setDaemon(true);
                handler.start();
                if (this.acceptMillis > 0) {
                    // The collector's own slowness, not a wait for something.
                    Thread.sleep(this.acceptMillis);
                }
            }
            catch (SocketTimeoutException ex) {
                // Look at the fault again.
            }
            catch (IOException ex) {
                closeQuietly(server);
                server = null;
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        closeQuietly(server);
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (!this.closed) {
                if (this.fault == Fault.NO_READ) {
                    waitForClose(socket, false);
                    return;
                }
                if (!readRequest(in)) {
                    return;
                }
                this.requests.incrementAndGet();
                if (!answer(socket, in, out, this.fault)) {
                    return;
                }
            }
        }
        catch (IOException | InterruptedException ex) {
            // The client went away; that is what many faults are for.
        }
        finally {
            this.sockets.remove(socket);
        }
    }

    /** Answers one request; false when the connection is done. */
    private boolean answer(Socket socket, InputStream in, OutputStream out, Fault fault)
            throws IOException, InterruptedException {
        switch (fault) {
            case HEALTHY, FLAP -> write(out, "HTTP/1.1 204 No Content\r\n\r\n");
            case HANG -> {
                waitForClose(socket, true);
                return false;
            }
            case RESET -> {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
                socket.setSoLinger(true, 0);
                return false;
            }
            case SERVER_ERROR -> write(out, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom");
            case TOO_MANY_REQUESTS ->
                write(out, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n");
            case UNAVAILABLE ->
                write(out, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n");
            case TRICKLE -> {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n");
                for (int i = 0; i < 50; i++) {
                    Thread.sleep(200);
                    out.write('x');
                    out.flush();
                }
            }
            case HUGE_BODY -> {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < 1_000_000_000L; sent += chunk.length) {
                    out.write(chunk);
                    this.bodyBytesSent.addAndGet(chunk.length);
                }
            }
            case NO_READ, DOWN -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads one request's headers and its Content-Length body; false at the end of the
     * stream.
     */
    private static boolean readRequest(InputStream in) throws IOException {
        String head = RawConnection.readHead(in);
        if (head == null) {
            return false;
        }
        long length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).strip());
            }
        }
        in.skipNBytes(length);
        return true;
    }

    /**
     * Waits until the client (or {@link #set}) closes the connection, reading and
     * dropping or not reading at all.
     */
    private void waitForClose(Socket socket, boolean read) throws IOException, InterruptedException {
        while (!socket.isClosed() && !this.closed) {
            if (read) {
                if (socket.getInputStream().read() < 0) {
                    return;
                }
            }
            else {
                Thread.sleep(50);
            }
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        }
        catch (Exception ex) {
            // Closing is all we wanted.
        }
    }

    @Override
    public void close() {
        this.closed = true;
        this.sockets.forEach(FaultyCollector::closeQuietly);
    }

}
