package io.dumpforwarder;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import org.junit.jupiter.api.Test;

/**
 * The direction of imports between the packages, as CONTRIBUTING.md draws it: ingest,
 * then pipeline, then forward, then the shared dump vocabulary; the settings at the
 * bottom, usable by all.
 */
class ArchitectureTests {

    private static final String ROOT = "io.dumpforwarder";

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
            .layer("buffer")
            .definedBy(ROOT + ".buffer..")
            .layer("pipeline")
            .definedBy(ROOT + ".pipeline..")
            .layer("forward")
            .definedBy(ROOT + ".forward..")
            .layer("trace")
            .definedBy(ROOT + ".trace..")
            .layer("dump")
            .definedBy(ROOT + ".dump..")
            .layer("demo")
            .definedBy(ROOT + ".demo..")
            .layer("config")
            .definedBy(ROOT + ".config..")
            .whereLayer("application")
            .mayNotAccessAnyLayer()
            .whereLayer("ingest")
            .mayOnlyAccessLayers("pipeline", "trace", "dump", "config")
            .whereLayer("buffer")
            .mayOnlyAccessLayers("pipeline", "forward", "trace", "dump", "config")
            .whereLayer("pipeline")
            .mayOnlyAccessLayers("forward", "dump", "config")
            .whereLayer("forward")
            .mayOnlyAccessLayers("trace", "dump", "config")
            .whereLayer("trace")
            .mayOnlyAccessLayers("dump", "config")
            .whereLayer("dump")
            .mayNotAccessAnyLayer()
            .whereLayer("demo")
            .mayOnlyAccessLayers("config")
            .whereLayer("config")
            .mayNotAccessAnyLayer()
            .check(classes);
    }

}
