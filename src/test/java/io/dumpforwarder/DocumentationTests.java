package io.dumpforwarder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.dumpforwarder.dump.Outcome;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docs name only what exists, as {@link ConfigurationMetadataTests} keeps the
 * settings' reference: every test class that README.md, CONTRIBUTING.md, docs/ and bench/
 * name is a class of src/test/java; every alert they name is one of
 * monitoring/alerts.yaml; every alert has its section in docs/runbook.md and its row in
 * docs/monitoring.md, which counts them right; metrics.md lists the outcomes the code
 * has, and api.md answers each refusal. ({@link HelmChartTests} checks that each alert's
 * runbook_url, as the chart renders it, points at a section of the runbook.)
 */
class DocumentationTests {

    /**
     * A test class's name: not part of a word, a flag ({@code -DskipTests}) or a glob.
     */
    private static final Pattern TEST_CLASS = Pattern.compile("(?<![\\w.*-])[A-Z][A-Za-z0-9]*Tests\\b");

    /** An alert's name, as monitoring/alerts.yaml names them. */
    private static final Pattern ALERT = Pattern.compile("\\b(?:DumpForwarder|DumpsLost)[A-Z][A-Za-z0-9]*\\b");

    private static final Pattern CLASS_DECLARATION = Pattern
        .compile("\\b(?:class|interface|enum|record)\\s+([A-Z][A-Za-z0-9]*)");

    private static final List<String> NUMBERS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen", "twenty");

    @Test
    void everyTestClassTheDocsNameExists() {
        Set<String> classes = classesUnder(Path.of("src/test/java"));
        List<String> stale = new ArrayList<>();
        for (Path doc : docs()) {
            for (Citation citation : cited(doc, TEST_CLASS)) {
                if (!classes.contains(citation.name())) {
                    stale.add(citation.toString());
                }
            }
        }
        assertThat(classes).contains("DocumentationTests", "FailureClassifierTests");
        assertThat(stale).as("test classes the docs name that src/test/java does not have").isEmpty();
    }

    @Test
    void everyAlertTheDocsNameIsInTheAlertRules() {
        Set<String> alerts = alerts();
        Set<String> code = classesUnder(Path.of("src/main/java"));
        List<String> stale = new ArrayList<>();
        for (Path doc : docs()) {
            for (Citation citation : cited(doc, ALERT)) {
                if (!alerts.contains(citation.name()) && !code.contains(citation.name())) {
                    stale.add(citation.toString());
                }
            }
        }
        assertThat(alerts).contains("DumpsLostFastBurn", "DumpForwarderDown");
        assertThat(stale).as("alerts the docs name that monitoring/alerts.yaml does not have").isEmpty();
    }

    @Test
    void everyAlertHasItsRunbookSectionAndItsRowInTheMonitoringPage() {
        Set<String> sections = read(Path.of("docs/runbook.md")).lines()
            .filter((line) -> line.startsWith("## "))
            .map((line) -> line.substring(3).strip())
            .collect(Collectors.toSet());
        String monitoring = read(Path.of("docs/monitoring.md"));
        Set<String> alerts = alerts();

        assertThat(alerts).filteredOn((alert) -> !sections.contains(alert))
            .as("alerts of monitoring/alerts.yaml without a '## <alert>' section in docs/runbook.md")
            .isEmpty();
        assertThat(alerts).filteredOn((alert) -> !monitoring.contains("| `" + alert + "` |"))
            .as("alerts of monitoring/alerts.yaml without a row in docs/monitoring.md's table")
            .isEmpty();
        Matcher count = Pattern.compile("\\b(" + String.join("|", NUMBERS) + "|\\d+) alerts\\b").matcher(monitoring);
        List<String> counts = new ArrayList<>();
        while (count.find()) {
            counts.add(count.group(1));
        }
        String word = (alerts.size() < NUMBERS.size()) ? NUMBERS.get(alerts.size()) : "";
        assertThat(counts).as("how many alerts docs/monitoring.md says there are: %d", alerts.size())
            .isNotEmpty()
            .allSatisfy((said) -> assertThat(said).isIn(word, Integer.toString(alerts.size())));
    }

    @Test
    void theMetricsPageListsTheOutcomesOfTheCode() throws ClassNotFoundException {
        String metrics = read(Path.of("docs/metrics.md"));
        assertThat(outcomesListed(metrics, "dumps_received_total"))
            .as("docs/metrics.md: the outcome label of dumps_received_total (IngestOutcome)")
            .containsExactlyInAnyOrderElementsOf(ingestOutcomes());
        assertThat(outcomesListed(metrics, "dumps_forwarded_total"))
            .as("docs/metrics.md: the outcome label of dumps_forwarded_total (Outcome)")
            .containsExactlyInAnyOrderElementsOf(Arrays.stream(Outcome.values()).map(Outcome::tag).toList());
    }

    @Test
    void theApiPageHasARowForEveryRefusal() throws ClassNotFoundException {
        String api = read(Path.of("docs/api.md"));
        List<String> refusals = ingestOutcomes().stream().filter((outcome) -> !outcome.equals("accepted")).toList();

        assertThat(refusals).hasSizeGreaterThan(10)
            .filteredOn((outcome) -> !api.contains("| `" + outcome + "` |"))
            .as("outcomes of IngestOutcome without a row in docs/api.md's Errors table")
            .isEmpty();
    }

    /**
     * The values a metric's row of the table lists for its {@code outcome} label: the
     * quoted words after {@code `outcome`:} in its labels cell.
     */
    private static List<String> outcomesListed(String metrics, String metric) {
        String row = metrics.lines()
            .filter((line) -> line.startsWith("| `" + metric + "` |"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("docs/metrics.md has no row for " + metric));
        String labels = row.split("\\|")[3];
        int outcome = labels.indexOf("`outcome`:");
        assertThat(outcome).as("docs/metrics.md: %s lists its outcomes", metric).isNotNegative();
        List<String> listed = new ArrayList<>();
        Matcher word = Pattern.compile("`([a-z0-9_]+)`").matcher(labels.substring(outcome + "`outcome`:".length()));
        while (word.find()) {
            listed.add(word.group(1));
        }
        return listed;
    }

    /**
     * The tags of {@code IngestOutcome} (package-private to ingest): its constants' names
     * in lower case.
     */
    private static List<String> ingestOutcomes() throws ClassNotFoundException {
        return Arrays.stream(Class.forName("io.dumpforwarder.ingest.IngestOutcome").getEnumConstants())
            .map((outcome) -> ((Enum<?>) outcome).name().toLowerCase(Locale.ROOT))
            .toList();
    }

    /** Each name the document cites, where it does. */
    private static List<Citation> cited(Path doc, Pattern pattern) {
        List<Citation> citations = new ArrayList<>();
        List<String> lines = read(doc).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            Matcher name = pattern.matcher(lines.get(i));
            while (name.find()) {
                citations.add(new Citation(name.group(), doc + ":" + (i + 1)));
            }
        }
        return citations;
    }

    /** The pages a reader is sent to: README.md, CONTRIBUTING.md, docs/ and bench/. */
    private static List<Path> docs() {
        Set<Path> docs = new LinkedHashSet<>(List.of(Path.of("README.md"), Path.of("CONTRIBUTING.md")));
        for (String dir : List.of("docs", "bench")) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                files.filter((file) -> file.toString().endsWith(".md")).sorted().forEach(docs::add);
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        assertThat(docs).contains(Path.of("docs/runbook.md"), Path.of("bench/RESULTS.md"));
        return List.copyOf(docs);
    }

    /**
     * The names of the classes under a source root: its files' and those they declare.
     */
    private static Set<String> classesUnder(Path root) {
        Set<String> classes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter((path) -> path.toString().endsWith(".java")).toList()) {
                String name = file.getFileName().toString();
                classes.add(name.substring(0, name.length() - ".java".length()));
                Matcher declared = CLASS_DECLARATION.matcher(read(file));
                while (declared.find()) {
                    classes.add(declared.group(1));
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return classes;
    }

    /** The alerts of monitoring/alerts.yaml. */
    @SuppressWarnings("unchecked")
    private static Set<String> alerts() {
        Map<String, Object> file = new Yaml().load(read(Path.of("monitoring/alerts.yaml")));
        return ((List<Map<String, Object>>) file.get("groups")).stream()
            .flatMap((group) -> ((List<Map<String, Object>>) group.get("rules")).stream())
            .filter((rule) -> rule.containsKey("alert"))
            .map((rule) -> (String) rule.get("alert"))
            .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** A name a document cites, and where (file:line). */
    private record Citation(String name, String at) {

        @Override
        public String toString() {
            return this.at + ": " + this.name;
        }

    }

}
