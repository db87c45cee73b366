package io.dumpforwarder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.dumpforwarder.buffer.BufferProperties;
import io.dumpforwarder.caller.AuthProperties;
import io.dumpforwarder.collector.ClientProperties;
import io.dumpforwarder.concurrency.ConcurrencyProperties;
import io.dumpforwarder.config.BatchProperties;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.config.IngestProperties;
import io.dumpforwarder.config.LogProperties;
import io.dumpforwarder.config.QueueProperties;
import io.dumpforwarder.config.ShutdownProperties;
import io.dumpforwarder.ratelimit.RateLimitProperties;
import io.dumpforwarder.retry.RetryAfterProperties;
import io.dumpforwarder.retry.RetryProperties;
import io.dumpforwarder.support.HelmChart;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.Settings;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Helm chart, linted and rendered by Helm itself (helm-java), for the default values
 * and for each {@code ci/*-values.yaml}; every rendered object is checked against the
 * Kubernetes API model, and what matters is asserted: probes the app really serves, a
 * grace period longer than the drain, settings that reach the app, a hardened pod,
 * optional objects only when asked for.
 */
class HelmChartTests {

    private static final Path DEFAULT_VALUES = HelmChart.CHART.resolve("ci/default-values.yaml");

    private static final Yaml yaml = new Yaml();

    @ParameterizedTest
    @MethodSource("io.dumpforwarder.support.HelmChart#exampleValues")
    void lintsStrictly(Path values, @TempDir Path temp) throws IOException {
        LintResult lint = new Helm(chartWithValues(values, temp)).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @ParameterizedTest
    @MethodSource("io.dumpforwarder.support.HelmChart#exampleValues")
    void rendersOnlyObjectsTheKubernetesApiAccepts(Path values) {
        List<Map<String, Object>> objects = HelmChart.render(values);

        assertThat(objects).isNotEmpty().allSatisfy(HelmChartTests::validate);
    }

    @Test
    void theValidationRejectsUnknownAndMissingFields() {
        Map<String, Object> deployment = HelmChart.find(HelmChart.render(DEFAULT_VALUES), "Deployment", null);
        Map<String, Object> typo = copy(deployment);
        HelmChart.map(typo, "spec").put("replicasCount", 3);
        Map<String, Object> missing = copy(deployment);
        HelmChart.map(missing, "spec").remove("selector");

        assertThatThrownBy(() -> validate(typo)).hasMessageContaining("replicasCount");
        assertThatThrownBy(() -> validate(missing)).hasMessageContaining("selector");
    }

    private static final List<Object> CORE = List.of("ServiceAccount", "ConfigMap", "Service", "Service", "Deployment",
            "PodDisruptionBudget");

    @Test
    void rendersOnlyTheCoreObjectsByDefault() {
        assertThat(HelmChart.render(DEFAULT_VALUES)).extracting((object) -> object.get("kind"))
            .containsExactlyInAnyOrderElementsOf(CORE);
    }

    @ParameterizedTest
    @MethodSource("io.dumpforwarder.support.HelmChart#exampleValues")
    void eachOptionalObjectAppearsOnlyWhenEnabled(Path values) {
        String feature = values.getFileName().toString().replace("-values.yaml", "");
        List<Object> kinds = HelmChart.render(values).stream().map((object) -> object.get("kind")).toList();
        Map<String, String> kindOf = Map.of("hpa", "HorizontalPodAutoscaler", "keda", "ScaledObject", "pdb",
                "PodDisruptionBudget", "servicemonitor", "ServiceMonitor", "prometheusrule", "PrometheusRule",
                "networkpolicy", "NetworkPolicy", "dashboard", "ConfigMap", "kafka", "ScaledObject", "protobuf",
                "ConfigMap");
        if (List.of("default", "auth", "delivery", "ratelimit", "tracing", "mtls", "pdb").contains(feature)) {
            assertThat(kinds).containsExactlyInAnyOrderElementsOf(CORE);
        }
        else {
            List<Object> expected = new ArrayList<>(CORE);
            expected.add(kindOf.get(feature));
            if (List.of("keda", "prometheusrule", "dashboard").contains(feature)) {
                // What selects the release by the ServiceMonitor's job comes with it.
                expected.add("ServiceMonitor");
            }
            assertThat(kinds).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void probesHitPathsAndPortsTheAppServes() {
        List<Map<String, Object>> objects = HelmChart.render(DEFAULT_VALUES);
        Map<String, Object> container = HelmChart.container(HelmChart.find(objects, "Deployment", null));
        Map<String, Integer> ports = new LinkedHashMap<>();
        HelmChart.list(container, "ports")
            .forEach((port) -> ports.put((String) port.get("name"), (Integer) port.get("containerPort")));
        assertThat(ports).containsEntry("http", 8080).containsEntry("management", 8081);
        List<String> args = HelmChart.cast(container.get("args"));
        assertThat(args).contains("--server.port=8080", "--management.server.port=8081");

        // The real app, started on the chart's application.yml, serves the probed paths
        // on its management port.
        Path config = writeTemp(HelmChart.configOf(objects));
        try (RunningApp app = RunningApp.start("--spring.config.import=file:" + config)) {
            WebTestClient client = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + app.managementPort())
                .build();
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                Map<String, Object> httpGet = HelmChart.map(HelmChart.map(container, probe), "httpGet");
                assertThat(httpGet.get("port")).isEqualTo("management");
                client.get().uri((String) httpGet.get("path")).exchange().expectStatus().isOk();
            }
            assertThat(app.port()).isPositive();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 5, 25, 120 })
    void terminationGraceOutlastsThePreStopPauseAndTheWholeShutdownPhase(int drainSeconds) {
        List<Map<String, Object>> objects = HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("config.drainTimeoutSeconds", drainSeconds));
        Map<String, Object> deployment = HelmChart.find(objects, "Deployment", null);
        Map<String, Object> pod = HelmChart.map(HelmChart.map(deployment, "spec"), "template");
        int grace = (Integer) HelmChart.map(pod, "spec").get("terminationGracePeriodSeconds");
        int preStop = (Integer) HelmChart
            .map(HelmChart.map(HelmChart.map(HelmChart.container(deployment), "lifecycle"), "preStop"), "sleep")
            .get("seconds");
        Environment environment = environment(HelmChart.configOf(objects));
        Duration phase = DurationStyle
            .detectAndParse(environment.getRequiredProperty("spring.lifecycle.timeout-per-shutdown-phase"));

        assertThat(phase).isGreaterThan(bind(HelmChart.configOf(objects), ShutdownProperties.class).drainTimeout());
        assertThat(grace).isGreaterThanOrEqualTo(preStop + (int) phase.toSeconds() + 5);
    }

    @ParameterizedTest
    @ValueSource(strings = { "http://collector.collectors.svc/dumps", "http://collector:9000/dumps",
            "https://collector.collectors.svc.cluster.local/dumps", "http://collector.collectors/dumps",
            "http://collector.collectors.svc.example.internal/dumps", "https://collector.example.com/dumps" })
    void aNetworkPolicyToACollectorInTheClusterWithoutItsPodsPortAsksForIt(String dumpUrl) {
        // The Service's targetPort is not in the URL, and the URL's port would not match.
        // The example's collectorTo names a namespace: the collector is in the cluster,
        // whatever its host.
        assertThatThrownBy(() -> HelmChart.render(HelmChart.CHART.resolve("ci/networkpolicy-values.yaml"),
                (template) -> template.set("config.dumpUrl", dumpUrl).set("networkPolicy.collectorPort", "")))
            .hasMessageContaining("networkPolicy.collectorPort is required")
            .hasMessageContaining("targetPort");
    }

    @ParameterizedTest
    @ValueSource(ints = { 5, 10, 60 })
    void theKafkaBuffersGracePeriodCoversItsTwoDrainsAndWhatFollows(int drainSeconds) {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/kafka-values.yaml"),
                (template) -> template.set("config.drainTimeoutSeconds", drainSeconds));
        Map<String, Object> pod = HelmChart.map(HelmChart.map(HelmChart.find(objects, "Deployment", null), "spec"),
                "template");
        int grace = (Integer) HelmChart.map(pod, "spec").get("terminationGracePeriodSeconds");
        Duration phase = DurationStyle.detectAndParse(environment(HelmChart.configOf(objects))
            .getRequiredProperty("spring.lifecycle.timeout-per-shutdown-phase"));

        // docs/kafka.md: up to twice the drain, plus 4 s for attempts on the wire, then
        // the last commits and the producer's flush (20 s).
        assertThat(phase).isGreaterThanOrEqualTo(Duration.ofSeconds(2L * drainSeconds + 4 + 20));
        assertThat(grace).isGreaterThanOrEqualTo(5 + (int) phase.toSeconds() + 5);
    }

    @Test
    void rolloutsScalingAndDisruptionsTakeTheOperatorsSettings() {
        List<Map<String, Object>> defaults = HelmChart.render(HelmChart.CHART.resolve("ci/hpa-values.yaml"));
        Map<String, Object> spec = HelmChart.map(HelmChart.find(defaults, "Deployment", null), "spec");
        assertThat(spec).containsEntry("minReadySeconds", 0).containsEntry("revisionHistoryLimit", 10);
        assertThat(HelmChart.map(spec, "strategy"))
            .isEqualTo(Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("maxSurge", 1, "maxUnavailable", 0)));
        assertThat(HelmChart.map(HelmChart.find(defaults, "HorizontalPodAutoscaler", null), "spec"))
            .doesNotContainKey("behavior");
        assertThat(HelmChart.map(HelmChart.find(defaults, "PodDisruptionBudget", null), "spec"))
            .containsEntry("maxUnavailable", 1)
            .doesNotContainKey("minAvailable");

        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/hpa-values.yaml"),
                (template) -> template.set("minReadySeconds", 15)
                    .set("revisionHistoryLimit", 3)
                    .set("updateStrategy.rollingUpdate.maxSurge", "50%")
                    .set("autoscaling.behavior.scaleDown.stabilizationWindowSeconds", 600)
                    .set("podDisruptionBudget.minAvailable", "50%"));
        objects.forEach(HelmChartTests::validate);
        spec = HelmChart.map(HelmChart.find(objects, "Deployment", null), "spec");
        assertThat(spec).containsEntry("minReadySeconds", 15).containsEntry("revisionHistoryLimit", 3);
        assertThat(HelmChart.map(HelmChart.map(spec, "strategy"), "rollingUpdate")).containsEntry("maxSurge", "50%");
        assertThat(HelmChart.map(HelmChart.map(HelmChart.find(objects, "HorizontalPodAutoscaler", null), "spec"),
                "behavior"))
            .isEqualTo(Map.of("scaleDown", Map.of("stabilizationWindowSeconds", 600)));
        assertThat(HelmChart.map(HelmChart.find(objects, "PodDisruptionBudget", null), "spec"))
            .containsEntry("minAvailable", "50%")
            .doesNotContainKey("maxUnavailable");
        // The API server refuses rollingUpdate with Recreate: the defaults' must not
        // stay.
        Map<String, Object> recreate = HelmChart.find(
                HelmChart.render(DEFAULT_VALUES, (template) -> template.set("updateStrategy.type", "Recreate")),
                "Deployment", null);
        assertThat(HelmChart.map(HelmChart.map(recreate, "spec"), "strategy")).isEqualTo(Map.of("type", "Recreate"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "prometheusRule.enabled", "dashboard.enabled", "keda.enabled" })
    void whatSelectsTheReleaseByItsScrapeJobNeedsOne(String object) {
        // The default job is the chart's ServiceMonitor's; without it nothing would
        // match.
        assertThatThrownBy(() -> HelmChart.render(DEFAULT_VALUES, (template) -> template.set(object, true)))
            .hasMessageContaining("enable serviceMonitor, or set scrapeJob");
        assertThat(HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set(object, true).set("scrapeJob", "kubernetes-pods")))
            .isNotEmpty();
    }

    @Test
    void theProbesSchemaRefusesWhatTheApiServerRefuses() {
        // successThreshold must be 1 on liveness and startup probes, and a readiness
        // probe takes no terminationGracePeriodSeconds.
        for (String refused : List.of("livenessProbe.successThreshold", "startupProbe.successThreshold")) {
            assertThatThrownBy(() -> HelmChart.render(DEFAULT_VALUES, (template) -> template.set(refused, 2)))
                .hasMessageContaining("successThreshold");
        }
        assertThatThrownBy(() -> HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("readinessProbe.terminationGracePeriodSeconds", 10)))
            .hasMessageContaining("terminationGracePeriodSeconds");
        assertThat(
                HelmChart.map(
                        HelmChart.container(HelmChart.find(
                                HelmChart.render(DEFAULT_VALUES,
                                        (template) -> template.set("readinessProbe.successThreshold", 2)
                                            .set("livenessProbe.terminationGracePeriodSeconds", 10)),
                                "Deployment", null)),
                        "readinessProbe"))
            .containsEntry("successThreshold", 2);
    }

    @Test
    void aPreStopPauseOfZeroLeavesTheHookOut() {
        Map<String, Object> deployment = HelmChart.find(
                HelmChart.render(DEFAULT_VALUES, (template) -> template.set("preStopSleepSeconds", 0)), "Deployment",
                null);

        assertThat(HelmChart.container(deployment)).doesNotContainKey("lifecycle");
        validate(deployment);
    }

    @Test
    void operatorsBringSecretsEnvironmentAndContainers() {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/mtls-values.yaml"),
                (template) -> template.set("extraEnv[0].name", "FORWARDER_CLIENT_CONNECT_TIMEOUT")
                    .set("extraEnv[0].value", "1s")
                    .set("envFrom[0].secretRef.name", "dump-forwarder-env")
                    .set("initContainers[0].name", "wait")
                    .set("initContainers[0].image", "busybox:1.36")
                    .set("sidecars[0].name", "proxy")
                    .set("sidecars[0].image", "envoyproxy/envoy:v1.33")
                    .set("priorityClassName", "dumps-high")
                    .set("podLabels.team", "recsys")
                    .set("image.digest", "sha256:" + "a".repeat(64)));
        Map<String, Object> deployment = HelmChart.find(objects, "Deployment", null);
        Map<String, Object> podSpec = HelmChart.map(HelmChart.map(HelmChart.map(deployment, "spec"), "template"),
                "spec");
        Map<String, Object> container = HelmChart.container(deployment);
        Environment environment = environment(HelmChart.configOf(objects));

        // The SSL bundle's files are in the mounted Secret.
        assertThat(bind(HelmChart.configOf(objects), ClientProperties.class).sslBundle()).isEqualTo("collector");
        assertThat(environment.getProperty("spring.ssl.bundle.pem.collector.keystore.private-key"))
            .isEqualTo("file:/etc/dump-forwarder/collector-tls/tls.key");
        assertThat(environment.getProperty("spring.ssl.bundle.pem.collector.reload-on-update")).isEqualTo("true");
        assertThat(HelmChart.list(container, "volumeMounts")).contains(
                Map.of("name", "collector-tls", "mountPath", "/etc/dump-forwarder/collector-tls", "readOnly", true));
        assertThat(HelmChart.list(podSpec, "volumes"))
            .contains(Map.of("name", "collector-tls", "secret", Map.of("secretName", "dump-forwarder-collector-tls")));
        assertThat(HelmChart.list(podSpec, "volumes")).extracting((volume) -> volume.get("name"))
            .contains("config", "tmp");
        assertThat(HelmChart.list(container, "env"))
            .contains(Map.of("name", "FORWARDER_CLIENT_CONNECT_TIMEOUT", "value", "1s"));
        assertThat(HelmChart.list(container, "envFrom"))
            .containsExactly(Map.of("secretRef", Map.of("name", "dump-forwarder-env")));
        assertThat(HelmChart.list(podSpec, "initContainers")).extracting((init) -> init.get("name"))
            .containsExactly("wait");
        assertThat(HelmChart.list(podSpec, "containers")).extracting((each) -> each.get("name"))
            .containsExactly("dump-forwarder", "proxy");
        assertThat(podSpec).containsEntry("priorityClassName", "dumps-high");
        assertThat(HelmChart
            .map(HelmChart.map(HelmChart.map(HelmChart.map(deployment, "spec"), "template"), "metadata"), "labels"))
            .containsEntry("team", "recsys");
        assertThat(container).containsEntry("image", "registry.example.com/dump-forwarder@sha256:" + "a".repeat(64));
        validate(deployment);
    }

    @Test
    void podsSpreadOverNodesAndADisruptionBudgetKeepsThemUpByDefault() {
        List<Map<String, Object>> objects = HelmChart.render(DEFAULT_VALUES);
        Map<String, Object> deployment = HelmChart.find(objects, "Deployment", null);
        Map<String, Object> podSpec = HelmChart.map(HelmChart.map(HelmChart.map(deployment, "spec"), "template"),
                "spec");
        Map<String, Object> selector = HelmChart.map(HelmChart.map(deployment, "spec"), "selector");

        assertThat(HelmChart.list(podSpec, "topologySpreadConstraints")).singleElement()
            .satisfies((spread) -> assertThat(spread).containsEntry("topologyKey", "kubernetes.io/hostname")
                .containsEntry("whenUnsatisfiable", "ScheduleAnyway")
                .containsEntry("labelSelector", selector));
        assertThat(
                HelmChart.map(HelmChart.map(HelmChart.find(objects, "PodDisruptionBudget", null), "spec"), "selector"))
            .isEqualTo(selector);
        assertThat(HelmChart.render(DEFAULT_VALUES, (template) -> template.set("replicaCount", 1)))
            .noneMatch((object) -> "PodDisruptionBudget".equals(object.get("kind")));
        assertThat(HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("replicaCount", 1)
                    .set("autoscaling.enabled", true)
                    .set("autoscaling.minReplicas", 3)))
            .anyMatch((object) -> "PodDisruptionBudget".equals(object.get("kind")));
        Map<String, Object> zones = HelmChart.find(
                HelmChart.render(DEFAULT_VALUES,
                        (template) -> template.set("topologySpreadConstraints[0].maxSkew", 2)
                            .set("topologySpreadConstraints[0].topologyKey", "topology.kubernetes.io/zone")
                            .set("topologySpreadConstraints[0].whenUnsatisfiable", "DoNotSchedule")),
                "Deployment", null);
        assertThat(HelmChart.list(HelmChart.map(HelmChart.map(HelmChart.map(zones, "spec"), "template"), "spec"),
                "topologySpreadConstraints"))
            .singleElement()
            .satisfies((spread) -> assertThat(spread).containsEntry("topologyKey", "topology.kubernetes.io/zone"));
        assertThatThrownBy(() -> HelmChart.render(DEFAULT_VALUES, (template) -> template.set("keda.minReplicas", 0)))
            .hasMessageContaining("minReplicas");
    }

    @Test
    void probesTakeEveryTimingField() {
        Map<String, Object> container = HelmChart.container(HelmChart.find(HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("livenessProbe.timeoutSeconds", 3)
                    .set("readinessProbe.initialDelaySeconds", 2)
                    .set("startupProbe.successThreshold", 1)),
                "Deployment", null));

        assertThat(HelmChart.map(container, "livenessProbe")).containsEntry("timeoutSeconds", 3);
        assertThat(HelmChart.map(container, "readinessProbe")).containsEntry("initialDelaySeconds", 2)
            .containsEntry("timeoutSeconds", 1);
        assertThat(HelmChart.map(container, "startupProbe")).containsEntry("successThreshold", 1);
        assertThatThrownBy(
                () -> HelmChart.render(DEFAULT_VALUES, (template) -> template.set("livenessProbe.timeoutSecond", 3)))
            .hasMessageContaining("timeoutSecond");
    }

    @Test
    void aClusterRateLimitWithoutRedisRefusesToRender() {
        assertThatThrownBy(() -> HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("config.rateLimiter.enabled", true)
                    .set("config.rateLimiter.scope", "cluster")))
            .hasMessageContaining("config.rateLimiter.scope=cluster")
            .hasMessageContaining("redis.url");
    }

    @ParameterizedTest
    @CsvSource({ "http://collector.example.com/dumps, , 80", "https://collector.example.com/dumps, , 443",
            "https://collector.example.com:8443/dumps, , 8443", "http://collector:9000/dumps, 7000, 7000",
            "http://collector.collectors.svc/dumps, 8080, 8080", "http://10.0.0.5:8080/dumps, , 8080",
            "http://[fd00::5]:8080/dumps, , 8080" })
    void theNetworkPolicyLetsOutTheDumpUrlsPort(String dumpUrl, Integer collectorPort, int expected) {
        // No collectorTo: anywhere the host resolves to.
        Map<String, Object> policy = HelmChart.find(
                HelmChart.render(DEFAULT_VALUES,
                        (template) -> template.set("networkPolicy.enabled", true)
                            .set("config.dumpUrl", dumpUrl)
                            .set("networkPolicy.collectorPort", (collectorPort != null) ? collectorPort : "")),
                "NetworkPolicy", null);

        assertThat(HelmChart.list(HelmChart.list(HelmChart.map(policy, "spec"), "egress").get(1), "ports"))
            .singleElement()
            .satisfies((port) -> assertThat(port).containsEntry("port", expected));
    }

    @Test
    void theServicesAndTheServiceMonitorTakeTheOperatorsSettings() {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/servicemonitor-values.yaml"),
                (template) -> template.set("service.annotations.example\\.com/lb", "internal")
                    .set("serviceMonitor.scrapeTimeout", "10s")
                    .set("serviceMonitor.relabelings[0].targetLabel", "cluster")
                    .set("serviceMonitor.relabelings[0].replacement", "eu-1"));

        Map<String, Object> endpoint = HelmChart
            .list(HelmChart.map(HelmChart.find(objects, "ServiceMonitor", null), "spec"), "endpoints")
            .get(0);
        assertThat(endpoint).containsEntry("scrapeTimeout", "10s")
            .containsEntry("relabelings", List.of(Map.of("targetLabel", "cluster", "replacement", "eu-1")));
        assertThat(HelmChart.map(
                HelmChart.map(HelmChart.find(objects, "Service", "release-name-dump-forwarder"), "metadata"),
                "annotations"))
            .containsEntry("example.com/lb", "internal");
    }

    @Test
    void valuesReachTheAppsConfiguration() {
        List<Map<String, Object>> objects = HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("config.maxConcurrency", 37)
                    .set("config.queue.capacity", 1234)
                    .set("config.drainTimeoutSeconds", 25)
                    .set("config.rateLimiter.enabled", true)
                    .set("config.retryAfterMax", "7s")
                    .set("config.retry.enabled", false)
                    .set("config.maxInflightBytes", "48MB")
                    .set("config.extra.forwarder.log.failures-per-second", 9));

        String config = HelmChart.configOf(objects);
        ForwarderProperties properties = bind(config, ForwarderProperties.class);

        assertThat(properties.dumpUrl()).hasToString("http://dump-collector.collectors.svc/dumps");
        assertThat(properties.maxConcurrency()).isEqualTo(37);
        assertThat(bind(config, QueueProperties.class).capacity()).isEqualTo(1234);
        assertThat(bind(config, ShutdownProperties.class).drainTimeout()).hasSeconds(25);
        assertThat(bind(config, RateLimitProperties.class).enabled()).isTrue();
        assertThat(bind(config, RetryAfterProperties.class).max()).hasSeconds(7);
        assertThat(bind(config, RetryProperties.class).enabled()).isFalse();
        assertThat(bind(config, IngestProperties.class).maxInflightBytes()).isEqualTo(DataSize.ofMegabytes(48));
        assertThat(bind(config, LogProperties.class).failuresPerSecond()).isEqualTo(9);
    }

    /**
     * Helm's template command leaves test hooks out, so the test pod is rendered from a
     * copy of the chart in which it is an ordinary object.
     */
    @Test
    void theHelmTestPodChecksReadinessAndTheIngestPortWithoutBeingSelectedByTheServices() throws IOException {
        Path hook = Path.of("templates", "tests", "test-readiness.yaml");
        String template = Files.readString(HelmChart.CHART.resolve(hook));
        assertThat(template).contains("\"helm.sh/hook\": test");
        Path copy = Files.createTempDirectory("chart");
        copyChart(copy);
        Files.writeString(copy.resolve(hook), template.replace("\"helm.sh/hook\": test", "test: \"true\""));
        List<Map<String, Object>> objects = HelmChart.render(copy,
                copy.resolve(HelmChart.CHART.relativize(DEFAULT_VALUES).toString()),
                (settings) -> settings.set("imagePullSecrets[0].name", "registry-credentials"));

        Map<String, Object> pod = HelmChart.find(objects, "Pod", null);
        assertThat(HelmChart.list(HelmChart.map(pod, "spec"), "imagePullSecrets"))
            .containsExactly(Map.of("name", "registry-credentials"));
        List<String> words = HelmChart
            .cast(HelmChart.list(HelmChart.map(pod, "spec"), "containers").get(0).get("command"));
        assertThat(String.join(" ", words)).contains(
                "release-name-dump-forwarder-management:8081/actuator/health/readiness",
                "nc -z -w 5 release-name-dump-forwarder 80");
        Map<String, Object> labels = HelmChart.map(HelmChart.map(pod, "metadata"), "labels");
        objects.stream().filter((object) -> "Service".equals(object.get("kind"))).forEach((service) -> {
            Map<String, Object> selector = HelmChart.map(HelmChart.map(service, "spec"), "selector");
            assertThat(labels.entrySet().containsAll(selector.entrySet()))
                .as("the Service %s selects the test pod", HelmChart.map(service, "metadata").get("name"))
                .isFalse();
        });
    }

    @Test
    void protobufDumpsTakeTheirDescriptorFromAConfigMapMountedInThePod() {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/protobuf-values.yaml"));
        IngestProperties.Protobuf protobuf = bind(HelmChart.configOf(objects), IngestProperties.class).protobuf();
        Map<String, Object> deployment = HelmChart.find(objects, "Deployment", null);
        Map<String, Object> podSpec = HelmChart.map(HelmChart.map(HelmChart.map(deployment, "spec"), "template"),
                "spec");

        assertThat(protobuf.descriptorSet()).hasToString("/etc/dump-forwarder/protobuf/descriptors.pb");
        assertThat(protobuf.messageType()).isEqualTo("pbrrec.AlgorithmRecomDumpReq");
        assertThat(HelmChart.map(HelmChart.find(objects, "ConfigMap", "release-name-dump-forwarder-protobuf"),
                "binaryData"))
            .containsKey("descriptors.pb");
        assertThat(HelmChart.list(HelmChart.container(deployment), "volumeMounts"))
            .contains(Map.of("name", "protobuf", "mountPath", "/etc/dump-forwarder/protobuf", "readOnly", true));
        assertThat(HelmChart.list(podSpec, "volumes"))
            .contains(Map.of("name", "protobuf", "configMap", Map.of("name", "release-name-dump-forwarder-protobuf")));

        // An existing ConfigMap of the operator's, by name; and the type is required.
        List<Map<String, Object>> existing = HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("config.protobuf.existingConfigMap", "recsys-descriptors")
                    .set("config.protobuf.messageType", "pbrrec.AlgorithmRecomDumpReq"));
        assertThat(HelmChart.list(HelmChart.map(
                HelmChart.map(HelmChart.map(HelmChart.find(existing, "Deployment", null), "spec"), "template"), "spec"),
                "volumes"))
            .contains(Map.of("name", "protobuf", "configMap", Map.of("name", "recsys-descriptors")));
        assertThat(existing).noneMatch((object) -> "release-name-dump-forwarder-protobuf"
            .equals(HelmChart.map(object, "metadata").get("name")));
        assertThatThrownBy(() -> HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("config.protobuf.existingConfigMap", "recsys-descriptors")))
            .hasMessageContaining("config.protobuf.messageType is required");
        assertThat(
                bind(HelmChart.configOf(HelmChart.render(DEFAULT_VALUES)), IngestProperties.class).protobuf().enabled())
            .isFalse();
    }

    @Test
    void aClusterRateLimitNeedsItsFallbackRateAndNoneIsMadeUp() {
        assertThatThrownBy(() -> HelmChart.render(HelmChart.CHART.resolve("ci/ratelimit-values.yaml"),
                (template) -> template.set("config.rateLimiter.fallbackRate", "")))
            .hasMessageContaining("config.rateLimiter.fallbackRate");
        assertThat(bind(HelmChart.configOf(HelmChart.render(DEFAULT_VALUES)), RateLimitProperties.class).fallbackRate())
            .isNull();
    }

    @Test
    void aClusterRateLimitTakesRedisFromTheValuesAndItsPasswordFromASecret() {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/ratelimit-values.yaml"));

        RateLimitProperties limit = bind(HelmChart.configOf(objects), RateLimitProperties.class);
        assertThat(limit.scope()).isEqualTo(RateLimitProperties.Scope.CLUSTER);
        assertThat(limit.rate()).isEqualTo(2000);
        assertThat(limit.burst()).isEqualTo(200);
        assertThat(limit.fallbackRate()).isEqualTo(500);
        Map<String, Map<String, Object>> env = new HashMap<>();
        HelmChart.list(HelmChart.container(HelmChart.find(objects, "Deployment", null)), "env")
            .forEach((variable) -> env.put((String) variable.get("name"), variable));
        assertThat(env.get("SPRING_DATA_REDIS_URL")).containsEntry("value", "redis://redis-master.cache.svc:6379");
        assertThat(HelmChart.map(HelmChart.map(env.get("SPRING_DATA_REDIS_PASSWORD"), "valueFrom"), "secretKeyRef"))
            .containsEntry("name", "redis-auth")
            .containsEntry("key", "password");
        assertThat(HelmChart.container(HelmChart.find(HelmChart.render(DEFAULT_VALUES), "Deployment", null)))
            .doesNotContainKey("env");
    }

    @Test
    void theNetworkPolicyLetsOutDnsTheCollectorAndTheExtraEgressRules() {
        Map<String, Object> policy = HelmChart
            .find(HelmChart.render(HelmChart.CHART.resolve("ci/networkpolicy-values.yaml")), "NetworkPolicy", null);
        List<Map<String, Object>> egress = HelmChart.list(HelmChart.map(policy, "spec"), "egress");
        assertThat(egress).hasSize(3);
        assertThat(HelmChart.list(egress.get(2), "ports")).singleElement()
            .satisfies((port) -> assertThat(port).containsEntry("port", 4318));
    }

    @Test
    void tracingValuesTurnOnSpringBootsTracingKeys() {
        Environment traced = environment(
                HelmChart.configOf(HelmChart.render(HelmChart.CHART.resolve("ci/tracing-values.yaml"))));
        assertThat(traced.getProperty("management.tracing.export.enabled", Boolean.class)).isTrue();
        assertThat(traced.getProperty("management.tracing.sampling.probability", Double.class)).isEqualTo(0.01);
        assertThat(traced.getProperty("management.opentelemetry.tracing.export.otlp.endpoint"))
            .isEqualTo("http://otel-collector.observability.svc:4318/v1/traces");
        Environment plain = environment(HelmChart.configOf(HelmChart.render(DEFAULT_VALUES)));
        assertThat(plain.containsProperty("management.tracing.export.enabled")).isFalse();
    }

    @Test
    void batchingCompressionRetriesAndAdaptiveConcurrencyReachTheAppsConfiguration() {
        String batched = HelmChart.configOf(HelmChart.render(HelmChart.CHART.resolve("ci/delivery-values.yaml")));
        String plain = HelmChart.configOf(HelmChart.render(DEFAULT_VALUES));

        assertThat(bind(batched, BatchProperties.class))
            .isEqualTo(new BatchProperties(true, 200, DataSize.ofMegabytes(2), Duration.ofMillis(50)));
        assertThat(bind(batched, ForwarderProperties.class).compression())
            .isEqualTo(ForwarderProperties.Compression.GZIP);
        assertThat(bind(batched, RetryProperties.class).budgetRatio()).isEqualTo(0.25);
        assertThat(bind(batched, ConcurrencyProperties.class))
            .isEqualTo(new ConcurrencyProperties(ConcurrencyProperties.Mode.ADAPTIVE, 4, 20));
        assertThat(bind(plain, ConcurrencyProperties.class).mode()).isEqualTo(ConcurrencyProperties.Mode.FIXED);
        assertThat(bind(batched, ForwarderProperties.class).circuitOpen())
            .isEqualTo(ForwarderProperties.CircuitOpen.DROP);
        assertThat(bind(plain, ForwarderProperties.class).circuitOpen())
            .isEqualTo(ForwarderProperties.CircuitOpen.HOLD);
        assertThat(bind(plain, BatchProperties.class).enabled()).isFalse();
        assertThat(bind(plain, ForwarderProperties.class).compression())
            .isEqualTo(ForwarderProperties.Compression.NONE);
    }

    @Test
    void callerAuthenticationReadsTheTokensFromTheGivenSecret() {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/auth-values.yaml"));
        AuthProperties auth = bind(HelmChart.configOf(objects), AuthProperties.class);
        Map<String, Object> deployment = HelmChart.find(objects, "Deployment", null);
        Map<String, Object> podSpec = HelmChart.map(HelmChart.map(HelmChart.map(deployment, "spec"), "template"),
                "spec");

        assertThat(auth.enabled()).isTrue();
        assertThat(auth.tokensFile()).hasToString("/etc/dump-forwarder/auth/tokens");
        // Mounted whole (a subPath mount never sees the Secret's updates).
        assertThat(HelmChart.list(HelmChart.container(deployment), "volumeMounts"))
            .anySatisfy((mount) -> assertThat(mount).containsEntry("mountPath", "/etc/dump-forwarder/auth")
                .doesNotContainKey("subPath"));
        assertThat(HelmChart.list(podSpec, "volumes"))
            .anySatisfy((volume) -> assertThat(volume).containsEntry("secret", Map.of("secretName",
                    "dump-forwarder-callers", "items", List.of(Map.of("key", "tokens", "path", "tokens")))));
        assertThat(bind(HelmChart.configOf(HelmChart.render(DEFAULT_VALUES)), AuthProperties.class).enabled())
            .isFalse();
    }

    @Test
    void podsRollWhenTheConfigurationChanges() {
        Object before = checksum(HelmChart.render(DEFAULT_VALUES));
        Object after = checksum(
                HelmChart.render(DEFAULT_VALUES, (template) -> template.set("config.maxConcurrency", 50)));

        assertThat(before).isNotNull().isNotEqualTo(after);
    }

    @Test
    void podsAreHardenedByDefault() {
        List<Map<String, Object>> objects = HelmChart.render(DEFAULT_VALUES);
        Map<String, Object> deployment = HelmChart.find(objects, "Deployment", null);
        Map<String, Object> podSpec = HelmChart.map(HelmChart.map(HelmChart.map(deployment, "spec"), "template"),
                "spec");
        Map<String, Object> container = HelmChart.container(deployment);

        assertThat(podSpec).containsEntry("automountServiceAccountToken", false);
        assertThat(HelmChart.map(podSpec, "securityContext")).containsEntry("runAsNonRoot", true)
            .containsEntry("seccompProfile", Map.of("type", "RuntimeDefault"));
        assertThat(HelmChart.map(container, "securityContext")).containsEntry("readOnlyRootFilesystem", true)
            .containsEntry("allowPrivilegeEscalation", false)
            .containsEntry("capabilities", Map.of("drop", List.of("ALL")));
        assertThat(HelmChart.list(container, "volumeMounts"))
            .anySatisfy((mount) -> assertThat(mount).containsEntry("mountPath", "/tmp"));
        assertThat(HelmChart.list(podSpec, "volumes"))
            .anySatisfy((volume) -> assertThat(volume).containsKey("emptyDir"));
        assertThat(HelmChart.map(container, "resources")).containsKeys("requests", "limits");
        assertThat(HelmChart.find(objects, "ServiceAccount", null)).containsEntry("automountServiceAccountToken",
                false);
    }

    @Test
    void actuatorIsOnlyOnTheManagementService() {
        List<Map<String, Object>> services = HelmChart.render(DEFAULT_VALUES)
            .stream()
            .filter((object) -> "Service".equals(object.get("kind")))
            .toList();

        assertThat(services)
            .extracting((service) -> HelmChart.list(HelmChart.map(service, "spec"), "ports").get(0).get("targetPort"))
            .containsExactlyInAnyOrder("http", "management");
        assertThat(services)
            .allSatisfy((service) -> assertThat(HelmChart.list(HelmChart.map(service, "spec"), "ports")).hasSize(1));
    }

    @Test
    void usesTheMonitoringFilesThemselves() throws IOException {
        Map<String, Object> rule = HelmChart
            .find(HelmChart.render(HelmChart.CHART.resolve("ci/prometheusrule-values.yaml")), "PrometheusRule", null);
        Map<String, Object> dashboard = HelmChart.find(
                HelmChart.render(HelmChart.CHART.resolve("ci/dashboard-values.yaml")), "ConfigMap",
                "release-name-dump-forwarder-dashboard");
        Map<String, Object> monitor = HelmChart
            .find(HelmChart.render(HelmChart.CHART.resolve("ci/servicemonitor-values.yaml")), "ServiceMonitor", null);

        assertThat(HelmChart.map(rule, "spec")).isEqualTo(yaml.load(Files.readString(Path.of("monitoring/alerts.yaml"))
            .replace("job=\"dump-forwarder\"", "job=\"release-name-dump-forwarder-management\", namespace=\"dumps\"")
            .replace("label_app_kubernetes_io_name=\"dump-forwarder\"",
                    "label_app_kubernetes_io_name=\"dump-forwarder\", label_app_kubernetes_io_instance=\"release-name\", "
                            + "namespace=\"dumps\"")
            .replace("(1 - 0.999)", "(1 - 0.995)")
            .replace("https://github.com/dump-forwarder/dump-forwarder/blob/main/docs/runbook.md",
                    "https://runbooks.example.com/dump-forwarder.md")));
        Map<String, Object> rendered = new Gson().fromJson(
                HelmChart.map(dashboard, "data").get("dump-forwarder-dumps-release-name.json").toString(), Map.class);
        Map<String, Object> file = new Gson().fromJson(Files.readString(Path.of("monitoring/dashboard.json")),
                Map.class);
        assertThat(rendered.get("panels")).isEqualTo(file.get("panels"));
        rendered.keySet().removeAll(List.of("uid", "title", "templating"));
        file.keySet().removeAll(List.of("uid", "title", "templating"));
        assertThat(rendered).isEqualTo(file);
        assertThat(HelmChart.map(HelmChart.map(dashboard, "metadata"), "labels")).containsEntry("grafana_dashboard",
                "1");
        assertThat(HelmChart.list(HelmChart.map(monitor, "spec"), "endpoints").get(0))
            .containsEntry("port", "management")
            .containsEntry("path", "/actuator/prometheus");
    }

    /**
     * Every selector of a dump-forwarder metric is this release's, the objective and the
     * runbook base are the values', and each alert's runbook section exists.
     */
    @Test
    void theRulesAreScopedToTheirReleaseAndTheirObjective() throws IOException {
        Map<String, Object> rule = HelmChart
            .find(HelmChart.render(HelmChart.CHART.resolve("ci/prometheusrule-values.yaml")), "PrometheusRule", null);
        String runbook = Files.readString(Path.of("docs/runbook.md"));

        List<Map<String, Object>> rules = HelmChart.list(HelmChart.map(rule, "spec"), "groups")
            .stream()
            .flatMap((group) -> HelmChart.list(group, "rules").stream())
            .toList();
        assertThat(rules).extracting((each) -> (String) each.get("expr"))
            .allSatisfy((expr) -> assertThat(expr.replaceAll("\\{[^}]*namespace=\"dumps\"[^}]*}", ""))
                .doesNotContain("{job=", "{name=", "{state=", "dump-forwarder\""))
            .filteredOn((expr) -> expr.contains("* (1 - "))
            .isNotEmpty()
            .allSatisfy((expr) -> assertThat(expr).contains("(1 - 0.995)").doesNotContain("0.999"));
        assertThat(rules).filteredOn((each) -> each.containsKey("alert"))
            .extracting((each) -> HelmChart.map(each, "annotations").get("runbook_url").toString())
            .allSatisfy((url) -> {
                assertThat(url).startsWith("https://runbooks.example.com/dump-forwarder.md#");
                assertThat(runbook).containsIgnoringCase("## " + url.substring(url.indexOf('#') + 1));
            });
        assertThat(rules).filteredOn((each) -> each.containsKey("alert"))
            .extracting((each) -> each.get("alert"))
            .contains("DumpsLostFastBurn", "DumpsLostSlowBurn", "DumpForwarderDown");
    }

    /**
     * The chart's dashboard is its release's: every panel on the release's scrape job and
     * namespace, fixed, with the objective of its values and a uid of its own, so two
     * releases in one namespace never mix or overwrite each other.
     */
    @Test
    void theDashboardIsScopedToItsReleaseAndItsObjective() {
        Map<String, Object> one = dashboardOf("prometheusrule-values.yaml", "release-name",
                (template) -> template.set("dashboard.enabled", true));
        Map<String, Object> other = dashboardOf("dashboard-values.yaml", "canary",
                (template) -> template.set("scrapeJob", "pods/canary"));

        assertThat(variables(one)).containsEntry("namespace", "dumps")
            .containsEntry("job", "release-name-dump-forwarder-management")
            .containsEntry("objective", "0.995");
        assertThat(variables(other)).containsEntry("job", "pods/canary").containsEntry("objective", "0.999");
        assertThat(one.get("uid")).isNotEqualTo(other.get("uid"));
        assertThat(one.get("title")).isNotEqualTo(other.get("title"));
        assertThat(one.get("uid").toString()).hasSizeLessThanOrEqualTo(40);
        List<String> expressions = new ArrayList<>();
        HelmChart.<List<Map<String, Object>>>cast(one.get("panels"))
            .forEach((panel) -> HelmChart.<List<Map<String, Object>>>cast(panel.getOrDefault("targets", List.of()))
                .forEach((target) -> expressions.add((String) target.get("expr"))));
        assertThat(expressions).hasSizeGreaterThan(50)
            .allSatisfy((expr) -> assertThat(
                    expr.replaceAll("\\{[^}]*namespace=~\"\\$namespace\", job=~\"\\$job\"[^}]*}", ""))
                .as(expr)
                .doesNotContain("{"));
    }

    @Test
    void theRulesAndKedaSelectTheScrapeJobGivenWithoutAServiceMonitor() {
        Map<String, Object> rule = HelmChart
            .find(HelmChart.render(HelmChart.CHART.resolve("ci/prometheusrule-values.yaml"),
                    (template) -> template.set("scrapeJob", "kubernetes-pods")), "PrometheusRule", null);
        assertThat(HelmChart.list(HelmChart.map(rule, "spec"), "groups").toString())
            .contains("job=\"kubernetes-pods\", namespace=\"dumps\"")
            .doesNotContain("-management");

        // Not a pod-name pattern: release-name-dump-forwarder-.* would also take a
        // release-name-dump-forwarder-canary release's pods.
        Map<String, Object> scaled = HelmChart.find(HelmChart.render(HelmChart.CHART.resolve("ci/keda-values.yaml")),
                "ScaledObject", null);
        assertThat(HelmChart.map(HelmChart.list(HelmChart.map(scaled, "spec"), "triggers").get(0), "metadata")
            .get("query"))
            .isEqualTo("sum(dumps_queued{namespace=\"dumps\", job=\"release-name-dump-forwarder-management\"})");
    }

    private static Map<String, Object> dashboardOf(String values, String release, Consumer<TemplateCommand> settings) {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci").resolve(values),
                (template) -> settings.accept(template.withName(release)));
        Map<String, Object> data = HelmChart.map(objects.stream()
            .filter((object) -> "ConfigMap".equals(object.get("kind")))
            .filter((object) -> HelmChart.map(object, "metadata").get("name").toString().endsWith("-dashboard"))
            .findFirst()
            .orElseThrow(), "data");
        return new Gson().fromJson(data.values().iterator().next().toString(), Map.class);
    }

    private static Map<String, Object> variables(Map<String, Object> dashboard) {
        Map<String, Object> variables = new LinkedHashMap<>();
        HelmChart.list(HelmChart.map(dashboard, "templating"), "list")
            .forEach((variable) -> variables.put((String) variable.get("name"), variable.get("query")));
        return variables;
    }

    @Test
    void kedaScalesOnTheQueueDepthTheAppExposes() {
        Map<String, Object> scaled = HelmChart.find(HelmChart.render(HelmChart.CHART.resolve("ci/keda-values.yaml")),
                "ScaledObject", null);
        Map<String, Object> trigger = HelmChart.list(HelmChart.map(scaled, "spec"), "triggers").get(0);

        assertThat(trigger).containsEntry("type", "prometheus");
        assertThat(HelmChart.map(trigger, "metadata").get("query").toString()).startsWith("sum(dumps_queued{");
    }

    @Test
    void theKafkaBufferTakesItsBrokerAndCredentialsFromTheValuesAndKedaScalesOnLag() {
        List<Map<String, Object>> objects = HelmChart.render(HelmChart.CHART.resolve("ci/kafka-values.yaml"));

        String applicationYml = HelmChart.configOf(objects);
        BufferProperties buffer = bind(applicationYml, BufferProperties.class);
        assertThat(buffer.type()).isEqualTo(BufferProperties.Type.KAFKA);
        assertThat(buffer.kafka().topic()).isEqualTo("recsys-dumps");
        assertThat(buffer.kafka().deadLetterTopic()).isEqualTo("recsys-dumps-refused");
        Environment environment = environment(applicationYml);
        assertThat(environment.getProperty("spring.kafka.bootstrap-servers"))
            .isEqualTo("kafka-0.kafka.messaging.svc:9093,kafka-1.kafka.messaging.svc:9093");
        assertThat(environment.getProperty("spring.kafka.consumer.group-id")).isEqualTo("dump-forwarder");
        assertThat(environment.getProperty("spring.kafka.properties.security.protocol")).isEqualTo("SASL_SSL");
        assertThat(environment.getProperty("spring.kafka.properties.sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        Map<String, Map<String, Object>> env = new HashMap<>();
        HelmChart.list(HelmChart.container(HelmChart.find(objects, "Deployment", null)), "env")
            .forEach((variable) -> env.put((String) variable.get("name"), variable));
        assertThat(HelmChart.map(HelmChart.map(env.get("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"), "valueFrom"),
                "secretKeyRef"))
            .containsEntry("name", "kafka-credentials")
            .containsEntry("key", "sasl.jaas.config");

        Map<String, Object> trigger = HelmChart
            .list(HelmChart.map(HelmChart.find(objects, "ScaledObject", null), "spec"), "triggers")
            .get(0);
        assertThat(trigger).containsEntry("type", "kafka");
        assertThat(HelmChart.map(trigger, "metadata")).containsEntry("consumerGroup", "dump-forwarder")
            .containsEntry("topic", "recsys-dumps")
            .containsEntry("lagThreshold", "1000");
        assertThat(HelmChart.map(trigger, "authenticationRef")).containsEntry("name", "kafka-scram");
        assertThat(environment(HelmChart.configOf(HelmChart.render(DEFAULT_VALUES)))
            .containsProperty("spring.kafka.bootstrap-servers")).isFalse();
    }

    @Test
    void theKafkaBufferNeedsBootstrapServers() {
        assertThatThrownBy(() -> new Helm(HelmChart.CHART).template()
            .withKubeVersion("1.33.0")
            .set("config.dumpUrl", "http://collector/dumps")
            .set("config.buffer.type", "kafka")
            .call()).hasMessageContaining("kafka.bootstrapServers is required");
    }

    @Test
    void refusesToRenderWithoutADumpUrl() {
        assertThatThrownBy(() -> new Helm(HelmChart.CHART).template().withKubeVersion("1.33.0").call())
            .hasMessageContaining("config.dumpUrl is required");
    }

    @Test
    void everyValueIsExplainedByAComment() throws IOException {
        List<String> lines = Files.readAllLines(HelmChart.CHART.resolve("values.yaml"));
        List<String> unexplained = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("\\s*[A-Za-z][\\w.-]*:.*")) {
                int previous = i - 1;
                while (previous >= 0 && lines.get(previous).isBlank()) {
                    previous--;
                }
                if (previous < 0 || !lines.get(previous).strip().startsWith("#")) {
                    unexplained.add(lines.get(i));
                }
            }
        }
        assertThat(unexplained).isEmpty();
    }

    @Test
    void theSchemaRejectsMisspeltAndMistypedValues() {
        assertThatThrownBy(
                () -> HelmChart.render(DEFAULT_VALUES, (template) -> template.set("config.maxConcurency", 10)))
            .hasMessageContaining("maxConcurency");
        assertThatThrownBy(
                () -> HelmChart.render(DEFAULT_VALUES, (template) -> template.set("config.maxAge", "thirty seconds")))
            .hasMessageContaining("maxAge");
    }

    @Test
    void refusesTwoAutoscalersAtOnce() {
        assertThatThrownBy(() -> HelmChart.render(DEFAULT_VALUES,
                (template) -> template.set("autoscaling.enabled", true).set("keda.enabled", true)))
            .hasMessageContaining("enable one of them");
    }

    /** Kubernetes' own model classes reject unknown fields and missing required ones. */
    private static void validate(Map<String, Object> object) {
        try {
            validate((String) object.get("kind"), object, new Gson().toJsonTree(object));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        assertThat(HelmChart.map(object, "metadata").get("name")).asString().isNotBlank();
    }

    private static void validate(String kind, Map<String, Object> object, JsonElement json) throws IOException {
        switch (kind) {
            case "Deployment" -> V1Deployment.validateJsonElement(json);
            case "Service" -> V1Service.validateJsonElement(json);
            case "ConfigMap" -> V1ConfigMap.validateJsonElement(json);
            case "ServiceAccount" -> V1ServiceAccount.validateJsonElement(json);
            case "HorizontalPodAutoscaler" -> V2HorizontalPodAutoscaler.validateJsonElement(json);
            case "PodDisruptionBudget" -> V1PodDisruptionBudget.validateJsonElement(json);
            case "NetworkPolicy" -> V1NetworkPolicy.validateJsonElement(json);
            // Custom resources have no model class here: check the fields their operators
            // need.
            case "ServiceMonitor" ->
                assertThat(HelmChart.list(HelmChart.map(object, "spec"), "endpoints")).isNotEmpty();
            case "PrometheusRule" -> assertThat(HelmChart.list(HelmChart.map(object, "spec"), "groups")).isNotEmpty();
            case "ScaledObject" -> assertThat(HelmChart.map(object, "spec")).containsKeys("scaleTargetRef", "triggers");
            default -> throw new AssertionError("unexpected kind " + kind);
        }
    }

    /** Copies the chart, every file of it, into this directory. */
    private static void copyChart(Path copy) throws IOException {
        try (Stream<Path> files = Files.walk(HelmChart.CHART)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(HelmChart.CHART.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                }
                else {
                    Files.copy(file, target);
                }
            }
        }
    }

    /**
     * The chart with values.yaml replaced by the defaults deep-merged with the given
     * file, as helm merges them.
     */
    private static Path chartWithValues(Path values, Path temp) throws IOException {
        Path copy = temp.resolve("dump-forwarder");
        copyChart(copy);
        Map<String, Object> merged = merge(
                HelmChart.cast(yaml.load(Files.readString(HelmChart.CHART.resolve("values.yaml")))),
                HelmChart.cast(yaml.load(Files.readString(values))));
        Files.writeString(copy.resolve("values.yaml"), yaml.dump(merged));
        return copy;
    }

    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        override.forEach(
                (key, value) -> merged.merge(key, value, (left, right) -> (left instanceof Map && right instanceof Map)
                        ? merge(HelmChart.cast(left), HelmChart.cast(right)) : right));
        return merged;
    }

    private static <T> T bind(String applicationYml, Class<T> type) {
        return Settings.bind(environment(applicationYml), type);
    }

    private static StandardEnvironment environment(String applicationYml) {
        try {
            List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("chart",
                    new ByteArrayResource(applicationYml.getBytes()));
            StandardEnvironment environment = new StandardEnvironment();
            // The chart's settings alone: not this JVM's (an embedded Kafka broker sets
            // spring.kafka.bootstrap-servers as a system property).
            environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
            environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
            sources.forEach(environment.getPropertySources()::addLast);
            return environment;
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Object checksum(List<Map<String, Object>> objects) {
        Map<String, Object> template = HelmChart.map(HelmChart.map(HelmChart.find(objects, "Deployment", null), "spec"),
                "template");
        return (HelmChart.map(template, "metadata").get("annotations") instanceof Map<?, ?> annotations)
                ? annotations.get("checksum/config") : null;
    }

    private static Path writeTemp(String content) {
        try {
            Path file = Files.createTempFile("chart-application", ".yml");
            file.toFile().deleteOnExit();
            return Files.writeString(file, content);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Map<String, Object> copy(Map<String, Object> object) {
        return HelmChart.cast(yaml.load(yaml.dump(object)));
    }

}
