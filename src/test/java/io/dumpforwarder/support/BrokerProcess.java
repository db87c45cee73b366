package io.dumpforwarder.support;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real single-node Kafka broker in a process of its own, for faults a broker in the
 * test's JVM cannot show: {@link #freeze()} stops the process (SIGSTOP), its connections
 * open and silent, as a broker stalled by a long pause or a hung disk; {@link #close()}
 * kills it.
 */
public final class BrokerProcess implements AutoCloseable {

    private final Process process;

    private final String bootstrapServers;

    private BrokerProcess(Process process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker with these topics (one partition each) and waits until it serves.
     */
    public static BrokerProcess start(String... topics) throws IOException {
        List<String> command = new ArrayList<>(
                List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-Xmx512m",
                        "-cp", System.getProperty("java.class.path"), BrokerProcess.class.getName()));
        command.addAll(List.of(topics));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader output = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            if (line.startsWith("BROKER ")) {
                Thread drain = new Thread(() -> drain(output), "broker-process-output");
                drain.setDaemon(true);
                drain.start();
                return new BrokerProcess(process, line.substring("BROKER ".length()).trim());
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("The broker process ended before it served");
    }

    public String bootstrapServers() {
        return this.bootstrapServers;
    }

    /** Stops the process, as SIGSTOP does: connections stay open, nothing answers. */
    public void freeze() {
        signal("STOP");
    }

    /** Lets the stopped process run again. */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            int exit = new ProcessBuilder("kill", "-" + name, Long.toString(this.process.pid())).start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + name + " exited " + exit);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Kills the broker (SIGKILL), frozen or not. */
    @Override
    public void close() throws InterruptedException {
        this.process.destroyForcibly().waitFor();
    }

    private static void drain(BufferedReader output) {
        try {
            while (output.readLine() != null) {
                // the broker's own log, not needed
            }
        }
        catch (IOException ex) {
            // the process ended
        }
    }

    /** The broker process: serves until killed. */
    public static void main(String[] topics) throws InterruptedException {
        EmbeddedKafkaKraftBroker broker = KafkaBroker.start(new EmbeddedKafkaKraftBroker(1, 1, topics));
        System.out.println("BROKER " + broker.getBrokersAsString());
        new CountDownLatch(1).await();
    }

}
