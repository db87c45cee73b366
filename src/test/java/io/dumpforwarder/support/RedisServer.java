package io.dumpforwarder.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} (Debian's package) on a free loopback port, without
 * persistence; it can be stopped and started again on the same port.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;

    private Process process;

    public RedisServer() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = socket.getLocalPort();
        }
        start();
    }

    public int port() {
        return this.port;
    }

    /** Starts the server and returns once it answers PING. */
    public void start() throws IOException {
        this.process = new ProcessBuilder("redis-server", "--port", Integer.toString(this.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(this::answersPing);
    }

    /** Stops the server and returns once it has exited. */
    public void stop() throws InterruptedException {
        this.process.destroy();
        if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
            this.process.destroyForcibly().waitFor();
        }
    }

    private boolean answersPing() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(7), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

}
