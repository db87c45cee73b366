package io.dumpforwarder.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.kubernetes.client.custom.Quantity;

import static org.awaitility.Awaitility.await;

/**
 * The packaged jar run as the chart's pod runs it: the image's entry point
 * ({@code src/main/docker/entrypoint.sh}, with the image's JVM flags), the ConfigMap's
 * application.yml in the working directory's {@code config/}, the container's args and
 * literal environment variables (a value from a Secret is absent here), and the JVM told
 * the container's memory limit ({@code -XX:MaxRAM}). The container's fixed ports become
 * free ones, found through Spring Boot's port files.
 */
public final class PodProcess implements AutoCloseable {

    private static final String PORT_FILES = "-Dspring.main.sources="
            + "org.springframework.boot.web.server.context.WebServerPortFileWriter";

    private final Path directory;

    private final Process process;

    private PodProcess(Path directory, Process process) {
        this.directory = directory;
        this.process = process;
    }

    /**
     * Starts the pod of these rendered objects in this directory.
     * @param objects what the chart rendered
     * @param directory the pod's working directory (the image's /application)
     * @param moreArgs arguments after the container's, standing in for what the pod would
     * find outside (a broker, mounted files)
     */
    public static PodProcess start(List<Map<String, Object>> objects, Path directory, List<String> moreArgs) {
        Map<String, Object> container = HelmChart.container(HelmChart.find(objects, "Deployment", null));
        try {
            Files.createDirectories(directory.resolve("config"));
            Files.writeString(directory.resolve("config/application.yml"), HelmChart.configOf(objects));
            Files.createSymbolicLink(directory.resolve("application.jar"), packagedJar().toAbsolutePath());
            Files.copy(Path.of("src/main/docker/entrypoint.sh"), directory.resolve("entrypoint.sh"));
            List<String> command = new ArrayList<>(List.of("sh", "entrypoint.sh"));
            for (String arg : HelmChart.<List<String>>cast(container.get("args"))) {
                command.add(arg.replaceFirst("^(--(management\\.)?server\\.port)=\\d+$", "$1=0"));
            }
            command.addAll(moreArgs);
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("out.log").toFile());
            Map<String, String> environment = builder.environment();
            environment.keySet()
                .removeIf((name) -> name.startsWith("SPRING_") || name.startsWith("FORWARDER_")
                        || name.equals("JDK_JAVA_OPTIONS") || name.equals("JAVA_TOOL_OPTIONS"));
            environment.put("PATH",
                    Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv().getOrDefault("PATH", ""));
            String javaToolOptions = "";
            for (Map<String, Object> variable : HelmChart
                .<List<Map<String, Object>>>cast(container.getOrDefault("env", List.of()))) {
                if (variable.get("value") instanceof String value) {
                    if ("JAVA_TOOL_OPTIONS".equals(variable.get("name"))) {
                        javaToolOptions = value;
                    }
                    else {
                        environment.put((String) variable.get("name"), value);
                    }
                }
            }
            environment.put("JAVA_TOOL_OPTIONS",
                    String.join(" ", "-XX:MaxRAM=" + memoryLimit(container), PORT_FILES, javaToolOptions).strip());
            return new PodProcess(directory, builder.start());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The container's memory limit, in bytes. */
    public static long memoryLimit(Map<String, Object> container) {
        Object limit = HelmChart.map(HelmChart.map(container, "resources"), "limits").get("memory");
        return new Quantity(String.valueOf(limit)).getNumber().longValueExact();
    }

    /** Waits until the pod is ready or its JVM has exited; true when ready. */
    public boolean awaitReadyOrExit(Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> !this.process.isAlive() || ready());
        return this.process.isAlive();
    }

    /** Whether the management port answers the readiness probe with 200. */
    public boolean ready() {
        Path portFile = this.directory.resolve("application-management.port");
        if (!Files.exists(portFile)) {
            return false;
        }
        try {
            String port = Files.readString(portFile).strip();
            HttpResponse<Void> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        }
        catch (IOException | NumberFormatException ex) {
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What the JVM printed so far. */
    public String output() {
        try {
            return Files.readString(this.directory.resolve("out.log"));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** SIGTERM, as the kubelet stops a pod, then SIGKILL if it outlasts a minute. */
    @Override
    public void close() {
        this.process.destroy();
        try {
            if (!this.process.waitFor(60, TimeUnit.SECONDS)) {
                this.process.destroyForcibly().waitFor();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.process.destroyForcibly();
        }
    }

    private static Path packagedJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter((file) -> file.getFileName().toString().matches("dump-forwarder-.*\\.jar"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no target/dump-forwarder-*.jar: run ./mvnw verify, "
                        + "which packages the jar before this test"));
        }
    }

}
