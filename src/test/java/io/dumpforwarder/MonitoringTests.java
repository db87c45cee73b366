package io.dumpforwarder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alert rules and the dashboard only query metrics the running service really
 * exposes, and its scrape passes {@code promtool check metrics} (where promtool is
 * installed, as in CI). The adaptive concurrency limit is on, so that its meters exist
 * too.
 */
@TestPropertySource(properties = "forwarder.concurrency.mode=adaptive")
class MonitoringTests extends AbstractServiceTests {

    /** Series that come from Prometheus or kube-state-metrics, not from the service. */
    private static final Set<String> EXTERNAL = Set.of("up", "kube_pod_status_ready");

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?");

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without");

    private String scrape;

    @BeforeEach
    void scrapeAfterSomeTraffic() {
        // The pool's series appear with its first connection, the ingest histogram with
        // its first request.
        accept(dump(1));
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        this.scrape = scrape();
    }

    @Test
    void alertRulesOnlyUseMetricsTheServiceExposes() throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(Path.of("monitoring/alerts.yaml")));
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> group : listOf(rules.get("groups"))) {
            for (Map<String, Object> rule : listOf(group.get("rules"))) {
                expressions.add((String) rule.get("expr"));
            }
        }

        assertThat(expressions).hasSize(6);
        assertOnlyExposedMetrics(expressions);
    }

    @Test
    void dashboardOnlyQueriesMetricsTheServiceExposes() throws IOException {
        JsonNode dashboard = dashboard();
        List<String> expressions = new ArrayList<>();
        dashboard.get("panels")
            .forEach((panel) -> panel.get("targets")
                .forEach((target) -> expressions.add(target.get("expr").asString())));
        dashboard.get("templating").get("list").forEach((variable) -> {
            if (variable.has("query") && variable.get("query").isObject()) {
                // label_values(metric, label): only the metric is a series name.
                Matcher metric = Pattern.compile("label_values\\(([a-zA-Z_:][a-zA-Z0-9_:]*)")
                    .matcher(variable.get("query").get("query").asString());
                assertThat(metric.find()).isTrue();
                expressions.add(metric.group(1));
            }
        });

        assertThat(expressions).hasSizeGreaterThan(15);
        assertOnlyExposedMetrics(expressions);
    }

    @Test
    void dashboardPanelsSitOnTheGridAndSayWhatTheyShow() throws IOException {
        JsonNode dashboard = dashboard();
        Set<String> places = new HashSet<>();

        dashboard.get("panels").forEach((panel) -> {
            JsonNode grid = panel.get("gridPos");
            for (String field : List.of("h", "w", "x", "y")) {
                assertThat(grid.get(field).isInt()).as("%s gridPos.%s", panel.get("title"), field).isTrue();
            }
            assertThat(grid.get("x").asInt() + grid.get("w").asInt()).isLessThanOrEqualTo(24);
            assertThat(places.add(grid.get("x").asInt() + "," + grid.get("y").asInt()))
                .as("%s overlaps", panel.get("title"))
                .isTrue();
        });
    }

    @Test
    void theScrapePassesPromtoolWithNoFindingOnTheServicesOwnMetrics() throws Exception {
        Assumptions.assumeTrue(onPath("promtool"), "promtool is not installed (CI installs it)");
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(this.scrape.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String findings = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // 0: clean; 3: lint findings only (in meters of Spring, Micrometer and Reactor
        // Netty); 1 would be
        // a scrape Prometheus cannot parse.
        assertThat(promtool.exitValue()).as(findings).isIn(0, 3);
        assertThat(findings.lines()).as(findings).noneMatch((line) -> line.startsWith("dumps_"));
    }

    private void assertOnlyExposedMetrics(List<String> expressions) {
        Set<String> exposed = this.scrape.lines()
            .filter((line) -> !line.startsWith("#") && !line.isBlank())
            .map((line) -> line.split("[{ ]", 2)[0])
            .collect(Collectors.toSet());
        Set<String> used = new TreeSet<>();
        expressions.forEach((expression) -> used.addAll(metricNames(expression)));

        assertThat(used).isNotEmpty();
        assertThat(used).allSatisfy((name) -> assertThat(exposed.contains(name) || EXTERNAL.contains(name))
            .as("%s is queried but not exposed", name)
            .isTrue());
    }

    /**
     * The series names in a PromQL expression: identifiers outside label matchers, ranges
     * and label lists.
     */
    static Set<String> metricNames(String expression) {
        String bare = expression.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher token = IDENTIFIER.matcher(bare);
        while (token.find()) {
            String name = token.group().strip();
            boolean function = name.endsWith("(");
            if (!function && !KEYWORDS.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    @Test
    void metricNamesAreReadOffExpressions() {
        assertThat(metricNames("sum by (le) (rate(dumps_forward_seconds_bucket{outcome=\"success\"}[5m])) > 0.1 "
                + "and on (pod) max by (pod) (up) == 1"))
            .containsExactly("dumps_forward_seconds_bucket", "up");
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv("PATH").split(":"))
            .anyMatch((dir) -> Files.isExecutable(Path.of(dir, command)));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOf(Object value) {
        return (List<Map<String, Object>>) value;
    }

    private static JsonNode dashboard() throws IOException {
        return JsonMapper.builder().build().readTree(Files.readString(Path.of("monitoring/dashboard.json")));
    }

}
