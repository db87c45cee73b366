package io.dumpforwarder;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.IngestProperties;
import io.dumpforwarder.config.MemoryBounds;
import io.dumpforwarder.config.QueueProperties;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.Settings;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The operator's application.yml tells the truth, and bad settings stop the start with
 * the key's name.
 */
class ConfigurationTests {

    private static final String URL = "http://127.0.0.1:9/dumps";

    @Test
    void applicationYmlShowsTheDefaultsTheServiceWouldUseWithoutIt() throws IOException {
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader().load("application.yml",
                new FileSystemResource("application.yml"));

        List<Class<?>> records = settingsRecords();

        assertThat(records).hasSizeGreaterThan(10).contains(ForwarderProperties.class);
        for (Class<?> type : records) {
            assertThat(bind(yaml.get(0), type)).as(type.getSimpleName()).isEqualTo(bind(null, type));
        }
    }

    @Test
    void startFailsWithoutADumpUrlNamingTheKey() {
        assertThatThrownBy(() -> start()).rootCause().hasMessageContaining("forwarder.dump-url");
    }

    @Test
    void startFailsOnANonHttpDumpUrl() {
        assertThatThrownBy(() -> start("--forwarder.dump-url=ftp://127.0.0.1/dumps")).rootCause()
            .hasMessageContaining("forwarder.dump-url");
    }

    @Test
    void startFailsOnAnOutOfRangeValueNamingTheKey() {
        assertThatThrownBy(() -> start("--forwarder.dump-url=" + URL, "--forwarder.max-concurrency=0")).rootCause()
            .hasMessageContaining("maxConcurrency");
    }

    @Test
    void startFailsWhenTheAdaptiveLimitsFloorIsAboveTheCeiling() {
        assertThatThrownBy(() -> start("--forwarder.dump-url=" + URL, "--forwarder.max-concurrency=8",
                "--forwarder.concurrency.mode=adaptive", "--forwarder.concurrency.min-limit=9"))
            .rootCause()
            .hasMessageContaining("forwarder.concurrency.min-limit must be at most forwarder.max-concurrency");
        start("--forwarder.dump-url=" + URL, "--forwarder.max-concurrency=8", "--forwarder.concurrency.mode=adaptive",
                "--forwarder.concurrency.min-limit=8");
    }

    @Test
    void startFailsWhenAuthenticationIsOnWithoutTokens() {
        assertThatThrownBy(() -> start("--forwarder.dump-url=" + URL, "--forwarder.ingest.auth.enabled=true"))
            .rootCause()
            .hasMessageContaining("forwarder.ingest.auth.tokens");
    }

    @Test
    void startFailsOnAShortToken() {
        assertThatThrownBy(() -> start("--forwarder.dump-url=" + URL, "--forwarder.ingest.auth.enabled=true",
                "--forwarder.ingest.auth.tokens=short"))
            .rootCause()
            .hasMessageContaining("at least 16 characters");
    }

    @Test
    void startFailsWhenABatchCouldNeedMoreTokensThanTheBurst() {
        assertThatThrownBy(() -> start("--forwarder.dump-url=" + URL, "--forwarder.rate-limiter.enabled=true",
                "--forwarder.rate-limiter.burst=50", "--forwarder.batch.enabled=true",
                "--forwarder.batch.max-dumps=100"))
            .rootCause()
            .hasMessageContaining("forwarder.batch.max-dumps is above forwarder.rate-limiter.burst");
        start("--forwarder.dump-url=" + URL, "--forwarder.rate-limiter.enabled=true",
                "--forwarder.rate-limiter.burst=50", "--forwarder.rate-limiter.unit=requests",
                "--forwarder.batch.enabled=true", "--forwarder.batch.max-dumps=100");
    }

    @Test
    void startFailsOnAClusterRateLimitWithoutAFallbackRate() {
        assertThatThrownBy(() -> start("--forwarder.dump-url=" + URL, "--forwarder.rate-limiter.enabled=true",
                "--forwarder.rate-limiter.scope=cluster"))
            .rootCause()
            .hasMessageContaining("forwarder.rate-limiter.fallback-rate");
    }

    @Test
    void theBodyBudgetDefaultsToAnEighthOfTheHeapAndHoldsTheLargestBody() {
        long heap = Runtime.getRuntime().maxMemory();
        assertThat(bounds(null).bodyBytes()).isEqualTo(Math.max(heap / 8, 16L * 1024 * 1024));
        assertThatThrownBy(() -> start("--forwarder.dump-url=" + URL, "--forwarder.ingest.max-inflight-bytes=1MB"))
            .rootCause()
            .hasMessageContaining("forwarder.ingest.max-inflight-bytes must be at least forwarder.max-request-size");
    }

    @Test
    void startFailsWhenTheBoundsTogetherCannotFitTheHeapNamingTheKeys() {
        long heap = Runtime.getRuntime().maxMemory();
        assertThatThrownBy(
                () -> start("--forwarder.dump-url=" + URL, "--forwarder.queue.max-bytes=" + (heap / 8 * 5) + "B",
                        "--forwarder.ingest.max-inflight-bytes=" + (heap / 8) + "B"))
            .rootCause()
            .hasMessageContaining("forwarder.queue.max-bytes")
            .hasMessageContaining("forwarder.ingest.max-inflight-bytes")
            .hasMessageContaining("80% of the JVM's heap");
        // Just inside: half the heap held, and an eighth of it being received (twice).
        MemoryBounds fits = bounds(new MapPropertySource("fits", Map.of("forwarder.queue.max-bytes", (heap / 2) + "B",
                "forwarder.ingest.max-inflight-bytes", (heap / 8) + "B")));
        assertThat(fits.boundedBytes()).isLessThanOrEqualTo((long) (MemoryBounds.HEAP_SHARE * heap));
    }

    private static void start(String... args) {
        RunningApp.start(args).close();
    }

    private static MemoryBounds bounds(PropertySource<?> source) {
        return new MemoryBounds(bind(source, ForwarderProperties.class), bind(source, IngestProperties.class),
                bind(source, QueueProperties.class));
    }

    private static <T> T bind(PropertySource<?> source, Class<T> type) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("url", Map.of("forwarder.dump-url", URL)));
        if (source != null) {
            environment.getPropertySources().addLast(source);
        }
        return Settings.bind(environment, type);
    }

    /** Every settings record of the application: each binds a prefix of its own. */
    private static List<Class<?>> settingsRecords() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        return scanner.findCandidateComponents("io.dumpforwarder")
            .stream()
            .<Class<?>>map((candidate) -> ClassUtils.resolveClassName(candidate.getBeanClassName(), null))
            .toList();
    }

}
