package io.dumpforwarder.caller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens file ({@code forwarder.ingest.auth.tokens-file}), read at start-up, then
 * read again every second on a thread of its own and its tokens handed on when its
 * content changed. Comparing the content read through the path sees every way a file
 * changes: a write in place, a rename over it, and the swap of the {@code ..data} link by
 * which Kubernetes updates a mounted Secret. A file that cannot be read, holds no token
 * or a bad one leaves the tokens as they were: logged once per change, and counted.
 */
final class TokensFile implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(TokensFile.class);

    private static final long CHECK_SECONDS = 1;

    private final Path path;

    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor((task) -> {
        Thread thread = new Thread(task, "dump-forwarder-tokens-file");
        thread.setDaemon(true);
        return thread;
    });

    /** The file's content at the last check; {@code null} when it could not be read. */
    private byte[] seen;

    TokensFile(Path path) {
        this.path = path;
        try {
            this.seen = Files.readAllBytes(path);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("forwarder.ingest.auth.tokens-file cannot be read: " + path, ex);
        }
    }

    /** The tokens the file held at start-up. */
    List<String> tokens() {
        return tokens(this.seen);
    }

    /**
     * From now on hands the file's tokens to {@code use} each time its content changes;
     * {@code use} refuses tokens it cannot take with an {@link IllegalStateException}.
     */
    void watch(Consumer<List<String>> use, MeterRegistry registry) {
        Counter reloaded = reloads(registry, "reloaded");
        Counter failed = reloads(registry, "failed");
        this.checks.scheduleWithFixedDelay(() -> check(use, reloaded, failed), CHECK_SECONDS, CHECK_SECONDS,
                TimeUnit.SECONDS);
    }

    private void check(Consumer<List<String>> use, Counter reloaded, Counter failed) {
        byte[] content;
        String unreadable = null;
        try {
            content = Files.readAllBytes(this.path);
        }
        catch (IOException ex) {
            content = null;
            unreadable = ex.toString();
        }
        if (Arrays.equals(content, this.seen)) {
            return;
        }
        this.seen = content;
        try {
            if (content == null) {
                throw new IllegalStateException("it cannot be read (" + unreadable + ")");
            }
            List<String> tokens = tokens(content);
            if (tokens.isEmpty()) {
                throw new IllegalStateException("it holds no token");
            }
            use.accept(tokens);
            reloaded.increment();
            logger.info("Read forwarder.ingest.auth.tokens-file {} again, tokens from it now in use: {}", this.path,
                    tokens.size());
        }
        catch (RuntimeException ex) {
            failed.increment();
            logger.warn("forwarder.ingest.auth.tokens-file {} changed but is not used (the last good tokens stay in "
                    + "use): {}", this.path, ex.getMessage());
        }
    }

    private static List<String> tokens(byte[] content) {
        return new String(content, StandardCharsets.UTF_8).lines()
            .map(String::strip)
            .filter((line) -> !line.isEmpty() && !line.startsWith("#"))
            .toList();
    }

    private static Counter reloads(MeterRegistry registry, String result) {
        return Counter.builder("dumps.ingest.tokens.reloads")
            .description("Reads of forwarder.ingest.auth.tokens-file after it changed, by result (failed: it "
                    + "could not be read, held no token or a bad one, and the last good tokens stay in use)")
            .tag("result", result)
            .register(registry);
    }

    @Override
    public void close() {
        this.checks.shutdownNow();
    }

}
