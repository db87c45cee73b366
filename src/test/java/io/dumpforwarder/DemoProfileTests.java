package io.dumpforwarder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo profile, read by a person at a terminal, logs plain text lines (every other
 * run logs one ECS JSON object a line, as the other tests check). Logging belongs to the
 * JVM and the other tests' applications keep it set up, so the demo runs in a JVM of its
 * own, started as a user starts it.
 */
class DemoProfileTests {

    @Test
    void theDemoLogsReadableText() throws Exception {
        int demoPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            demoPort = socket.getLocalPort();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process demo = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                DumpForwarderApplication.class.getName(), "--spring.profiles.active=demo", "--server.port=0",
                "--management.server.port=0", "--forwarder.demo.port=" + demoPort)
            .redirectErrorStream(true)
            .start();
        try {
            List<String> lines = CompletableFuture.supplyAsync(() -> linesUntilStarted(demo))
                .get(120, TimeUnit.SECONDS);

            assertThat(lines).as(String.join("\n", lines))
                .last()
                .asString()
                .contains("Started DumpForwarderApplication");
            assertThat(lines).filteredOn((line) -> line.contains(" INFO ")).hasSizeGreaterThan(3);
            assertThat(lines).noneMatch((line) -> line.startsWith("{"));
        }
        finally {
            demo.destroy();
            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static List<String> linesUntilStarted(Process process) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
                if (line.contains("Started DumpForwarderApplication")) {
                    return lines;
                }
            }
            return lines;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

}
