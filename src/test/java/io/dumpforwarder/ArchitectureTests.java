package io.dumpforwarder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The direction of imports between the packages, as CONTRIBUTING.md draws it. Ingest
 * (with the body it receives) puts dumps in an intake, the pipeline takes them from a
 * source: both are the dump vocabulary's interfaces, which the in-memory queue and the
 * Kafka buffer implement, so ingest, the buffer and the pipeline never import one
 * another, and nothing imports the pipeline. The pipeline hands dumps to forward, which
 * makes a forward of the mechanisms below it (retry, the breaker, the collector's wire,
 * the optional rate and concurrency limits); the shared dump vocabulary, the small tools
 * and the settings are at the bottom, usable by all. No mechanism imports the forwarder.
 */
class ArchitectureTests {

    private static final String ROOT = "io.dumpforwarder";

    private static final Path MAIN_SOURCES = Path.of("src/main/java");

    private static final JavaClasses classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(ROOT);

    @Test
    void noPackageCycles() {
        SlicesRuleDefinition.slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void importsRunOneWay() {
        Architectures.layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("application")
            .definedBy(ROOT)
            .layer("ingest")
            .definedBy(ROOT + ".ingest..")
            .layer("body")
            .definedBy(ROOT + ".body..")
            .layer("protobuf")
            .definedBy(ROOT + ".protobuf..")
            .layer("caller")
            .definedBy(ROOT + ".caller..")
            .layer("buffer")
            .definedBy(ROOT + ".buffer..")
            .layer("pipeline")
            .definedBy(ROOT + ".pipeline..")
            .layer("queue")
            .definedBy(ROOT + ".queue..")
            .layer("forward")
            .definedBy(ROOT + ".forward..")
            .layer("breaker")
            .definedBy(ROOT + ".breaker..")
            .layer("retry")
            .definedBy(ROOT + ".retry..")
            .layer("collector")
            .definedBy(ROOT + ".collector..")
            .layer("ratelimit")
            .definedBy(ROOT + ".ratelimit..")
            .layer("concurrency")
            .definedBy(ROOT + ".concurrency..")
            .layer("trace")
            .definedBy(ROOT + ".trace..")
            .layer("dump")
            .definedBy(ROOT + ".dump..")
            .layer("util")
            .definedBy(ROOT + ".util..")
            .layer("demo")
            .definedBy(ROOT + ".demo..")
            .layer("config")
            .definedBy(ROOT + ".config..")
            .whereLayer("application")
            .mayOnlyAccessLayers("dump", "config")
            .whereLayer("ingest")
            .mayOnlyAccessLayers("body", "protobuf", "caller", "trace", "dump", "util", "config")
            .whereLayer("protobuf")
            .mayOnlyAccessLayers("body", "config")
            .whereLayer("body")
            .mayOnlyAccessLayers("caller", "config")
            .whereLayer("caller")
            .mayNotAccessAnyLayer()
            .whereLayer("buffer")
            .mayOnlyAccessLayers("queue", "caller", "breaker", "trace", "dump", "util", "config")
            .whereLayer("pipeline")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("pipeline")
            .mayOnlyAccessLayers("caller", "forward", "trace", "dump", "util", "config")
            .whereLayer("queue")
            .mayOnlyAccessLayers("caller", "dump", "util", "config")
            .whereLayer("forward")
            .mayOnlyAccessLayers("breaker", "retry", "collector", "ratelimit", "concurrency", "trace", "dump", "config")
            .whereLayer("breaker")
            .mayOnlyAccessLayers("collector", "dump", "config")
            .whereLayer("retry")
            .mayOnlyAccessLayers("dump", "config")
            .whereLayer("collector")
            .mayOnlyAccessLayers("concurrency", "trace", "dump", "config")
            .whereLayer("ratelimit")
            .mayOnlyAccessLayers("config")
            .whereLayer("concurrency")
            .mayOnlyAccessLayers("dump", "config")
            .whereLayer("trace")
            .mayOnlyAccessLayers("dump", "config")
            .whereLayer("dump")
            .mayNotAccessAnyLayer()
            .whereLayer("util")
            .mayNotAccessAnyLayer()
            .whereLayer("demo")
            .mayNotAccessAnyLayer()
            .whereLayer("config")
            .mayNotAccessAnyLayer()
            .check(classes);
    }

    /**
     * One idea per package: none holds more than a quarter of the main source lines, so
     * none becomes the place where everything goes.
     */
    @Test
    void noPackageHoldsMoreThanAQuarterOfTheCode() throws IOException {
        Map<String, Long> lines = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            for (Path file : files.filter((path) -> path.toString().endsWith(".java")).toList()) {
                String pkg = MAIN_SOURCES.relativize(file.getParent()).toString().replace('/', '.');
                lines.merge(pkg, (long) Files.readAllLines(file).size(), Long::sum);
            }
        }
        long total = lines.values().stream().mapToLong(Long::longValue).sum();
        assertThat(lines).hasSizeGreaterThan(10);
        assertThat(lines).allSatisfy((pkg, count) -> assertThat(count * 4).as("%s: %d of %d lines", pkg, count, total)
            .isLessThanOrEqualTo(total));
    }

}
