package io.dumpforwarder.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback port that refuses connections until {@link #open(String, int)}, then relays
 * each connection to a target: a server that is not there yet, on an address fixed in
 * advance (Spring Kafka's KRaft broker cannot be told its port).
 */
public final class TcpRelay implements AutoCloseable {

    private final int port;

    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private volatile ServerSocket server;

    private final AtomicReference<CountDownLatch> frozen = new AtomicReference<>();

    public TcpRelay() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public String address() {
        return "127.0.0.1:" + this.port;
    }

    /** Starts accepting, relaying every connection to {@code host:port}. */
    public void open(String host, int targetPort) throws IOException {
        ServerSocket listening = new ServerSocket();
        listening.setReuseAddress(true);
        listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port));
        this.server = listening;
        daemon(() -> {
            while (!listening.isClosed()) {
                try {
                    Socket in = listening.accept();
                    this.sockets.add(in);
                    Socket out = new Socket(host, targetPort);
                    this.sockets.add(out);
                    pump(in, out);
                    pump(out, in);
                }
                catch (IOException ex) {
                    // closed, or the target refused: the caller sees its connection end
                }
            }
        });
    }

    /**
     * Stops relaying bytes, connections kept open, as a broker whose process is stopped
     * (SIGSTOP) would: what is sent meanwhile is held until {@link #thaw()}.
     */
    public void freeze() {
        this.frozen.set(new CountDownLatch(1));
    }

    /** Relays again what was held, and what comes. */
    public void thaw() {
        this.frozen.getAndSet(null).countDown();
    }

    private void pump(Socket from, Socket to) {
        daemon(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[16 * 1024];
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    CountDownLatch frozenNow = this.frozen.get();
                    if (frozenNow != null) {
                        frozenNow.await();
                    }
                    out.write(buffer, 0, read);
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            catch (IOException ex) {
                // one side closed
            }
            finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    private static void daemon(Runnable task) {
        Thread thread = new Thread(task, "tcp-relay");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        if (this.server != null) {
            closeQuietly(this.server);
        }
        this.sockets.forEach(TcpRelay::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ex) {
            // closing anyway
        }
    }

}
