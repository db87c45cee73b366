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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.dumpforwarder.support.KafkaBroker;
import io.dumpforwarder.support.RedisServer;
import io.dumpforwarder.support.RunningApp;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alert rules and the dashboard only query metrics the running service really
 * exposes, and its scrape passes {@code promtool check metrics} (where promtool is
 * installed, as in CI). The adaptive concurrency limit is on, so that its meters exist
 * too; the optional features' meters (the Kafka buffer, the shared rate limit) come from
 * a second application running them on a real Kafka and a real Redis.
 */
@TestPropertySource(properties = "forwarder.concurrency.mode=adaptive")
class MonitoringTests extends AbstractServiceTests {

    /** Series that come from Prometheus or kube-state-metrics, not from the service. */
    private static final Set<String> EXTERNAL = Set.of("up", "kube_pod_status_ready", "kube_pod_labels");

    private static String optionalFeatures;

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?");

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without");

    private String scrape;

    @BeforeAll
    static void scrapeTheOptionalFeatures() throws IOException {
        try (RedisServer redis = new RedisServer();
                RunningApp app = RunningApp.start("--forwarder.dump-url=" + collector.url(),
                        "--forwarder.buffer.type=kafka",
                        "--spring.kafka.bootstrap-servers=" + KafkaBroker.bootstrapServers(),
                        "--forwarder.buffer.kafka.topic=" + KafkaBroker.newTopic("monitoring", 1),
                        "--spring.kafka.consumer.group-id=monitoring-" + UUID.randomUUID(),
                        "--forwarder.rate-limiter.enabled=true", "--forwarder.rate-limiter.scope=cluster",
                        "--forwarder.rate-limiter.fallback-rate=100", "--spring.data.redis.port=" + redis.port())) {
            // The consumer's fetch metrics appear once it has fetched.
            app.postJson(dump(0)).expectStatus().isAccepted();
            WebTestClient management = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + app.managementPort())
                .build();
            await().atMost(WAIT).until(() -> {
                optionalFeatures = management.get()
                    .uri("/actuator/prometheus")
                    .exchange()
                    .expectBody(String.class)
                    .returnResult()
                    .getResponseBody();
                return optionalFeatures.contains("kafka_consumer_fetch_manager_records_lag_max{");
            });
        }
    }

    @BeforeEach
    void scrapeAfterSomeTraffic() {
        // The pool's series appear with its first connection, the ingest histogram with
        // its first request, the GC's with its first collection.
        accept(dump(1));
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        System.gc();
        await().atMost(WAIT).until(() -> scrape().contains("jvm_gc_pause_seconds_sum"));
        this.scrape = scrape();
    }

    @Test
    void alertRulesOnlyUseMetricsTheServiceExposes() throws IOException {
        List<String> expressions = rules().stream().map((rule) -> (String) rule.get("expr")).toList();

        assertThat(expressions).hasSize(20);
        assertThat(recorded()).hasSize(6);
        assertOnlyExposedMetrics(expressions);
    }

    @Test
    void dashboardOnlyQueriesMetricsTheServiceExposes() throws IOException {
        JsonNode dashboard = dashboard();
        List<String> expressions = new ArrayList<>();
        panels(dashboard).forEach(
                (panel) -> panel.get("targets").forEach((target) -> expressions.add(target.get("expr").asString())));
        dashboard.get("templating").get("list").forEach((variable) -> {
            if (variable.has("query") && variable.get("query").isObject()) {
                // label_values(metric, label): only the metric is a series name.
                Matcher metric = Pattern.compile("label_values\\(([a-zA-Z_:][a-zA-Z0-9_:]*)")
                    .matcher(variable.get("query").get("query").asString());
                assertThat(metric.find()).isTrue();
                expressions.add(metric.group(1));
            }
        });

        assertThat(expressions).hasSizeGreaterThan(50);
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

    /**
     * One unit a panel, so no axis mixes counts with ratios or seconds; rows group the
     * panels by what an operator asks.
     */
    @Test
    void dashboardPanelsHaveOneUnitEachInRowsThatNameTheirSubject() throws IOException {
        JsonNode dashboard = dashboard();

        assertThat(panels(dashboard))
            .allSatisfy((panel) -> assertThat(panel.get("fieldConfig").get("defaults").get("unit").asString())
                .as("%s has a unit", panel.get("title"))
                .isNotBlank());
        assertThat(panels(dashboard)).allSatisfy((panel) -> assertThat(panel.get("fieldConfig").get("overrides"))
            .as("%s overrides no unit", panel.get("title"))
            .noneMatch((override) -> override.toString().contains("\"unit\"")));
        List<String> rows = new ArrayList<>();
        dashboard.get("panels").forEach((panel) -> {
            if ("row".equals(panel.get("type").asString())) {
                rows.add(panel.get("title").asString());
            }
        });
        assertThat(rows).containsExactly("Objective: dumps delivered", "Traffic", "Ingest: connections and refusals",
                "Callers", "Queue and delivery", "Kafka buffer", "Rate limit", "JVM");
    }

    @Test
    void theScrapePassesPromtoolWithNoFindingOnTheServicesOwnMetrics() throws Exception {
        Assumptions.assumeTrue(onPath("promtool"),
                "promtool is not installed: apt-get install prometheus (.ci/run does)");
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(this.scrape.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String findings = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();

        // 0: clean; 3: lint findings only (in meters of Spring, Micrometer and Reactor
        // Netty); 1 would be a scrape Prometheus cannot parse.
        assertThat(promtool.exitValue()).as(findings).isIn(0, 3);
        assertThat(findings.lines()).as(findings).noneMatch((line) -> line.startsWith("dumps_"));
    }

    /** Every rule of the alert file, recording and alerting. */
    private static List<Map<String, Object>> rules() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(Path.of("monitoring/alerts.yaml")));
        return listOf(file.get("groups")).stream().flatMap((group) -> listOf(group.get("rules")).stream()).toList();
    }

    /**
     * The series the recording rules make, which the alerts and the dashboard may query.
     */
    private static Set<String> recorded() throws IOException {
        return rules().stream()
            .filter((rule) -> rule.containsKey("record"))
            .map((rule) -> (String) rule.get("record"))
            .collect(Collectors.toSet());
    }

    private void assertOnlyExposedMetrics(List<String> expressions) throws IOException {
        Set<String> exposed = (this.scrape + "\n" + optionalFeatures).lines()
            .filter((line) -> !line.startsWith("#") && !line.isBlank())
            .map((line) -> line.split("[{ ]", 2)[0])
            .collect(Collectors.toSet());
        exposed.addAll(recorded());
        Set<String> used = new TreeSet<>();
        expressions.forEach((expression) -> used.addAll(metricNames(expression)));

        assertThat(used).isNotEmpty();
        assertThat(used).allSatisfy((name) -> assertThat(exposed.contains(name) || EXTERNAL.contains(name))
            .as("%s is queried but not exposed", name)
            .isTrue());
    }

    /**
     * The series names in a PromQL expression: identifiers outside comments, label
     * matchers, ranges, label lists and the dashboard's variables.
     */
    static Set<String> metricNames(String expression) {
        String bare = expression.replaceAll("#[^\n]*", " ")
            .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\$\\w+", " ")
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

    /** The dashboard's panels that show data: all but its rows. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.get("panels").forEach((panel) -> {
            if (!"row".equals(panel.get("type").asString())) {
                panels.add(panel);
            }
        });
        return panels;
    }

    private static JsonNode dashboard() throws IOException {
        return JsonMapper.builder().build().readTree(Files.readString(Path.of("monitoring/dashboard.json")));
    }

}
