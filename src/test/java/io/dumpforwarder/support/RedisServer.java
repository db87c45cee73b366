package io.dumpforwarder.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * A real Redis server on a free loopback port, without persistence; it can be stopped and
 * started again on the same port. The server is the {@code redis-server} binary that the
 * {@code org.signal:embedded-redis} test dependency ships, so the build needs no Redis of
 * the machine's.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;

    private final redis.embedded.RedisServer server;

    public RedisServer() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = socket.getLocalPort();
        }
        this.server = redis.embedded.RedisServer.builder()
            .port(this.port)
            .bind("127.0.0.1")
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
        start();
    }

    public int port() {
        return this.port;
    }

    /** Starts the server and returns once it accepts connections. */
    public void start() {
        this.server.start();
    }

    /** Stops the server and returns once it has exited. */
    public void stop() {
        this.server.stop();
    }

    @Override
    public void close() {
        stop();
    }

}
