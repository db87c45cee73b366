package io.dumpforwarder.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.dumpforwarder.DumpForwarderApplication;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The real application started from its main class, as {@code java -jar} would, on free
 * ingest and management ports: for tests that start, stop or fail to start it themselves.
 */
public final class RunningApp implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private final WebTestClient ingest;

    private RunningApp(ConfigurableApplicationContext context) {
        this.context = context;
        this.ingest = WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + port())
            .responseTimeout(Duration.ofSeconds(10))
            .build();
    }

    /** Starts the application with these command-line arguments. */
    public static RunningApp start(String... arguments) {
        List<String> all = new ArrayList<>(List.of("--server.port=0", "--management.server.port=0"));
        all.addAll(List.of(arguments));
        return new RunningApp(
                new SpringApplicationBuilder(DumpForwarderApplication.class).run(all.toArray(String[]::new)));
    }

    public ConfigurableApplicationContext context() {
        return this.context;
    }

    public <T> T bean(Class<T> type) {
        return this.context.getBean(type);
    }

    /** The service's meters, readable after the application closed. */
    public Meters meters() {
        return new Meters(bean(MeterRegistry.class));
    }

    public int port() {
        return ((WebServerApplicationContext) this.context).getWebServer().getPort();
    }

    public int managementPort() {
        return this.context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
    }

    /** A client of the ingest port. */
    public WebTestClient ingest() {
        return this.ingest;
    }

    public WebTestClient.ResponseSpec postJson(String body) {
        return this.ingest.post().uri("/v1/dumps").contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    @Override
    public void close() {
        this.context.close();
    }

}
