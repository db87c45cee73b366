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
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.support.RunningApp;
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

import org.springframework.boot.context.properties.bind.Binder;
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

    private static final Path CHART = Path.of("helm/dump-forwarder");

    private static final Path DEFAULT_VALUES = CHART.resolve("ci/default-values.yaml");

    private static final Yaml yaml = new Yaml();

    static Stream<Path> valuesFiles() throws IOException {
        try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
            return files.filter((file) -> file.toString().endsWith("-values.yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void lintsStrictly(Path values, @TempDir Path temp) throws IOException {
        LintResult lint = new Helm(chartWithValues(values, temp)).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void rendersOnlyObjectsTheKubernetesApiAccepts(Path values) {
        List<Map<String, Object>> objects = render(values);

        assertThat(objects).isNotEmpty().allSatisfy(HelmChartTests::validate);
    }

    @Test
    void theValidationRejectsUnknownAndMissingFields() {
        Map<String, Object> deployment = find(render(DEFAULT_VALUES), "Deployment", null);
        Map<String, Object> typo = copy(deployment);
        map(typo, "spec").put("replicasCount", 3);
        Map<String, Object> missing = copy(deployment);
        map(missing, "spec").remove("selector");

        assertThatThrownBy(() -> validate(typo)).hasMessageContaining("replicasCount");
        assertThatThrownBy(() -> validate(missing)).hasMessageContaining("selector");
    }

    private static final List<Object> CORE = List.of("ServiceAccount", "ConfigMap", "Service", "Service", "Deployment",
            "PodDisruptionBudget");

    @Test
    void rendersOnlyTheCoreObjectsByDefault() {
        assertThat(render(DEFAULT_VALUES)).extracting((object) -> object.get("kind"))
            .containsExactlyInAnyOrderElementsOf(CORE);
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void eachOptionalObjectAppearsOnlyWhenEnabled(Path values) {
        String feature = values.getFileName().toString().replace("-values.yaml", "");
        List<Object> kinds = render(values).stream().map((object) -> object.get("kind")).toList();
        Map<String, String> kindOf = Map.of("hpa", "HorizontalPodAutoscaler", "keda", "ScaledObject", "pdb",
                "PodDisruptionBudget", "servicemonitor", "ServiceMonitor", "prometheusrule", "PrometheusRule",
                "networkpolicy", "NetworkPolicy", "dashboard", "ConfigMap", "kafka", "ScaledObject");
        if (List.of("default", "auth", "delivery", "ratelimit", "tracing", "mtls", "pdb").contains(feature)) {
            assertThat(kinds).containsExactlyInAnyOrderElementsOf(CORE);
        }
        else {
            List<Object> expected = new ArrayList<>(CORE);
            expected.add(kindOf.get(feature));
            assertThat(kinds).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void probesHitPathsAndPortsTheAppServes() {
        List<Map<String, Object>> objects = render(DEFAULT_VALUES);
        Map<String, Object> container = container(find(objects, "Deployment", null));
        Map<String, Integer> ports = new LinkedHashMap<>();
        list(container, "ports")
            .forEach((port) -> ports.put((String) port.get("name"), (Integer) port.get("containerPort")));
        assertThat(ports).containsEntry("http", 8080).containsEntry("management", 8081);
        List<String> args = cast(container.get("args"));
        assertThat(args).contains("--server.port=8080", "--management.server.port=8081");

        // The real app, started on the chart's application.yml, serves the probed paths
        // on its management port.
        Path config = writeTemp(configOf(objects));
        try (RunningApp app = RunningApp.start("--spring.config.import=file:" + config)) {
            WebTestClient client = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + app.managementPort())
                .build();
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                Map<String, Object> httpGet = map(map(container, probe), "httpGet");
                assertThat(httpGet.get("port")).isEqualTo("management");
                client.get().uri((String) httpGet.get("path")).exchange().expectStatus().isOk();
            }
            assertThat(app.port()).isPositive();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 5, 25, 120 })
    void terminationGraceOutlastsThePreStopPauseAndTheWholeShutdownPhase(int drainSeconds) {
        List<Map<String, Object>> objects = render(DEFAULT_VALUES,
                (template) -> template.set("config.drainTimeoutSeconds", drainSeconds));
        Map<String, Object> deployment = find(objects, "Deployment", null);
        Map<String, Object> pod = map(map(deployment, "spec"), "template");
        int grace = (Integer) map(pod, "spec").get("terminationGracePeriodSeconds");
        int preStop = (Integer) map(map(map(container(deployment), "lifecycle"), "preStop"), "sleep").get("seconds");
        Environment environment = environment(configOf(objects));
        Duration phase = DurationStyle
            .detectAndParse(environment.getRequiredProperty("spring.lifecycle.timeout-per-shutdown-phase"));

        assertThat(phase).isGreaterThan(bind(configOf(objects)).shutdown().drainTimeout());
        assertThat(grace).isGreaterThanOrEqualTo(preStop + (int) phase.toSeconds() + 5);
    }

    @Test
    void aPreStopPauseOfZeroLeavesTheHookOut() {
        Map<String, Object> deployment = find(
                render(DEFAULT_VALUES, (template) -> template.set("preStopSleepSeconds", 0)), "Deployment", null);

        assertThat(container(deployment)).doesNotContainKey("lifecycle");
        validate(deployment);
    }

    @Test
    void operatorsBringSecretsEnvironmentAndContainers() {
        List<Map<String, Object>> objects = render(CHART.resolve("ci/mtls-values.yaml"),
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
        Map<String, Object> deployment = find(objects, "Deployment", null);
        Map<String, Object> podSpec = map(map(map(deployment, "spec"), "template"), "spec");
        Map<String, Object> container = container(deployment);
        Environment environment = environment(configOf(objects));

        // The SSL bundle's files are in the mounted Secret.
        assertThat(bind(configOf(objects)).client().sslBundle()).isEqualTo("collector");
        assertThat(environment.getProperty("spring.ssl.bundle.pem.collector.keystore.private-key"))
            .isEqualTo("file:/etc/dump-forwarder/collector-tls/tls.key");
        assertThat(environment.getProperty("spring.ssl.bundle.pem.collector.reload-on-update")).isEqualTo("true");
        assertThat(list(container, "volumeMounts")).contains(
                Map.of("name", "collector-tls", "mountPath", "/etc/dump-forwarder/collector-tls", "readOnly", true));
        assertThat(list(podSpec, "volumes"))
            .contains(Map.of("name", "collector-tls", "secret", Map.of("secretName", "dump-forwarder-collector-tls")));
        assertThat(list(podSpec, "volumes")).extracting((volume) -> volume.get("name")).contains("config", "tmp");
        assertThat(list(container, "env")).contains(Map.of("name", "FORWARDER_CLIENT_CONNECT_TIMEOUT", "value", "1s"));
        assertThat(list(container, "envFrom"))
            .containsExactly(Map.of("secretRef", Map.of("name", "dump-forwarder-env")));
        assertThat(list(podSpec, "initContainers")).extracting((init) -> init.get("name")).containsExactly("wait");
        assertThat(list(podSpec, "containers")).extracting((each) -> each.get("name"))
            .containsExactly("dump-forwarder", "proxy");
        assertThat(podSpec).containsEntry("priorityClassName", "dumps-high");
        assertThat(map(map(map(map(deployment, "spec"), "template"), "metadata"), "labels")).containsEntry("team",
                "recsys");
        assertThat(container).containsEntry("image", "registry.example.com/dump-forwarder@sha256:" + "a".repeat(64));
        validate(deployment);
    }

    @Test
    void podsSpreadOverNodesAndADisruptionBudgetKeepsThemUpByDefault() {
        List<Map<String, Object>> objects = render(DEFAULT_VALUES);
        Map<String, Object> deployment = find(objects, "Deployment", null);
        Map<String, Object> podSpec = map(map(map(deployment, "spec"), "template"), "spec");
        Map<String, Object> selector = map(map(deployment, "spec"), "selector");

        assertThat(list(podSpec, "topologySpreadConstraints")).singleElement()
            .satisfies((spread) -> assertThat(spread).containsEntry("topologyKey", "kubernetes.io/hostname")
                .containsEntry("whenUnsatisfiable", "ScheduleAnyway")
                .containsEntry("labelSelector", selector));
        assertThat(map(map(find(objects, "PodDisruptionBudget", null), "spec"), "selector")).isEqualTo(selector);
        assertThat(render(DEFAULT_VALUES, (template) -> template.set("replicaCount", 1)))
            .noneMatch((object) -> "PodDisruptionBudget".equals(object.get("kind")));
        assertThat(render(DEFAULT_VALUES,
                (template) -> template.set("replicaCount", 1)
                    .set("autoscaling.enabled", true)
                    .set("autoscaling.minReplicas", 3)))
            .anyMatch((object) -> "PodDisruptionBudget".equals(object.get("kind")));
        Map<String, Object> zones = find(
                render(DEFAULT_VALUES,
                        (template) -> template.set("topologySpreadConstraints[0].maxSkew", 2)
                            .set("topologySpreadConstraints[0].topologyKey", "topology.kubernetes.io/zone")
                            .set("topologySpreadConstraints[0].whenUnsatisfiable", "DoNotSchedule")),
                "Deployment", null);
        assertThat(list(map(map(map(zones, "spec"), "template"), "spec"), "topologySpreadConstraints")).singleElement()
            .satisfies((spread) -> assertThat(spread).containsEntry("topologyKey", "topology.kubernetes.io/zone"));
        assertThatThrownBy(() -> render(DEFAULT_VALUES, (template) -> template.set("keda.minReplicas", 0)))
            .hasMessageContaining("minReplicas");
    }

    @Test
    void probesTakeEveryTimingField() {
        Map<String, Object> container = container(find(render(DEFAULT_VALUES,
                (template) -> template.set("livenessProbe.timeoutSeconds", 3)
                    .set("readinessProbe.initialDelaySeconds", 2)
                    .set("startupProbe.successThreshold", 1)),
                "Deployment", null));

        assertThat(map(container, "livenessProbe")).containsEntry("timeoutSeconds", 3);
        assertThat(map(container, "readinessProbe")).containsEntry("initialDelaySeconds", 2)
            .containsEntry("timeoutSeconds", 1);
        assertThat(map(container, "startupProbe")).containsEntry("successThreshold", 1);
        assertThatThrownBy(() -> render(DEFAULT_VALUES, (template) -> template.set("livenessProbe.timeoutSecond", 3)))
            .hasMessageContaining("timeoutSecond");
    }

    @Test
    void aClusterRateLimitWithoutRedisRefusesToRender() {
        assertThatThrownBy(() -> render(DEFAULT_VALUES,
                (template) -> template.set("config.rateLimiter.enabled", true)
                    .set("config.rateLimiter.scope", "cluster")))
            .hasMessageContaining("config.rateLimiter.scope=cluster")
            .hasMessageContaining("redis.url");
    }

    @ParameterizedTest
    @CsvSource({ "http://collector.collectors.svc/dumps, , 80", "https://collector.collectors.svc/dumps, , 443",
            "https://collector.collectors.svc:8443/dumps, , 8443", "http://collector:9000/dumps, 7000, 7000" })
    void theNetworkPolicyLetsOutTheDumpUrlsPort(String dumpUrl, Integer collectorPort, int expected) {
        Map<String, Object> policy = find(render(CHART.resolve("ci/networkpolicy-values.yaml"), (template) -> {
            template.set("config.dumpUrl", dumpUrl);
            if (collectorPort != null) {
                template.set("networkPolicy.collectorPort", collectorPort);
            }
        }), "NetworkPolicy", null);

        assertThat(list(list(map(policy, "spec"), "egress").get(1), "ports")).singleElement()
            .satisfies((port) -> assertThat(port).containsEntry("port", expected));
    }

    @Test
    void theServicesAndTheServiceMonitorTakeTheOperatorsSettings() {
        List<Map<String, Object>> objects = render(CHART.resolve("ci/servicemonitor-values.yaml"),
                (template) -> template.set("service.annotations.example\\.com/lb", "internal")
                    .set("serviceMonitor.scrapeTimeout", "10s")
                    .set("serviceMonitor.relabelings[0].targetLabel", "cluster")
                    .set("serviceMonitor.relabelings[0].replacement", "eu-1"));

        Map<String, Object> endpoint = list(map(find(objects, "ServiceMonitor", null), "spec"), "endpoints").get(0);
        assertThat(endpoint).containsEntry("scrapeTimeout", "10s")
            .containsEntry("relabelings", List.of(Map.of("targetLabel", "cluster", "replacement", "eu-1")));
        assertThat(map(map(find(objects, "Service", "release-name-dump-forwarder"), "metadata"), "annotations"))
            .containsEntry("example.com/lb", "internal");
    }

    @Test
    void valuesReachTheAppsConfiguration() {
        List<Map<String, Object>> objects = render(DEFAULT_VALUES,
                (template) -> template.set("config.maxConcurrency", 37)
                    .set("config.queue.capacity", 1234)
                    .set("config.drainTimeoutSeconds", 25)
                    .set("config.rateLimiter.enabled", true)
                    .set("config.retryAfterMax", "7s")
                    .set("config.retry.enabled", false)
                    .set("config.maxInflightBytes", "48MB")
                    .set("config.extra.forwarder.log.failures-per-second", 9));

        ForwarderProperties properties = bind(configOf(objects));

        assertThat(properties.dumpUrl()).hasToString("http://dump-collector.collectors.svc/dumps");
        assertThat(properties.maxConcurrency()).isEqualTo(37);
        assertThat(properties.queue().capacity()).isEqualTo(1234);
        assertThat(properties.shutdown().drainTimeout()).hasSeconds(25);
        assertThat(properties.rateLimiter().enabled()).isTrue();
        assertThat(properties.retryAfter().max()).hasSeconds(7);
        assertThat(properties.retry().enabled()).isFalse();
        assertThat(properties.ingest().maxInflightBytes()).isEqualTo(DataSize.ofMegabytes(48));
        assertThat(properties.log().failuresPerSecond()).isEqualTo(9);
    }

    /**
     * Helm's template command leaves test hooks out, so the test pod is rendered from a
     * copy of the chart in which it is an ordinary object.
     */
    @Test
    void theHelmTestPodChecksReadinessAndTheIngestPortWithoutBeingSelectedByTheServices() throws IOException {
        Path hook = Path.of("templates", "tests", "test-readiness.yaml");
        String template = Files.readString(CHART.resolve(hook));
        assertThat(template).contains("\"helm.sh/hook\": test");
        Path copy = Files.createTempDirectory("chart");
        copyChart(copy);
        Files.writeString(copy.resolve(hook), template.replace("\"helm.sh/hook\": test", "test: \"true\""));
        List<Map<String, Object>> objects = render(copy, copy.resolve(CHART.relativize(DEFAULT_VALUES).toString()),
                (settings) -> settings.set("imagePullSecrets[0].name", "registry-credentials"));

        Map<String, Object> pod = find(objects, "Pod", null);
        assertThat(list(map(pod, "spec"), "imagePullSecrets")).containsExactly(Map.of("name", "registry-credentials"));
        List<String> words = cast(list(map(pod, "spec"), "containers").get(0).get("command"));
        assertThat(String.join(" ", words)).contains(
                "release-name-dump-forwarder-management:8081/actuator/health/readiness",
                "nc -z -w 5 release-name-dump-forwarder 80");
        Map<String, Object> labels = map(map(pod, "metadata"), "labels");
        objects.stream().filter((object) -> "Service".equals(object.get("kind"))).forEach((service) -> {
            Map<String, Object> selector = map(map(service, "spec"), "selector");
            assertThat(labels.entrySet().containsAll(selector.entrySet()))
                .as("the Service %s selects the test pod", map(service, "metadata").get("name"))
                .isFalse();
        });
    }

    @Test
    void aClusterRateLimitTakesRedisFromTheValuesAndItsPasswordFromASecret() {
        List<Map<String, Object>> objects = render(CHART.resolve("ci/ratelimit-values.yaml"));

        ForwarderProperties.RateLimit limit = bind(configOf(objects)).rateLimiter();
        assertThat(limit.scope()).isEqualTo(ForwarderProperties.RateLimit.Scope.CLUSTER);
        assertThat(limit.rate()).isEqualTo(2000);
        assertThat(limit.burst()).isEqualTo(200);
        assertThat(limit.fallbackRate()).isEqualTo(500);
        Map<String, Map<String, Object>> env = new HashMap<>();
        list(container(find(objects, "Deployment", null)), "env")
            .forEach((variable) -> env.put((String) variable.get("name"), variable));
        assertThat(env.get("SPRING_DATA_REDIS_URL")).containsEntry("value", "redis://redis-master.cache.svc:6379");
        assertThat(map(map(env.get("SPRING_DATA_REDIS_PASSWORD"), "valueFrom"), "secretKeyRef"))
            .containsEntry("name", "redis-auth")
            .containsEntry("key", "password");
        assertThat(container(find(render(DEFAULT_VALUES), "Deployment", null))).doesNotContainKey("env");
    }

    @Test
    void theNetworkPolicyLetsOutDnsTheCollectorAndTheExtraEgressRules() {
        Map<String, Object> policy = find(render(CHART.resolve("ci/networkpolicy-values.yaml")), "NetworkPolicy", null);
        List<Map<String, Object>> egress = list(map(policy, "spec"), "egress");
        assertThat(egress).hasSize(3);
        assertThat(list(egress.get(2), "ports")).singleElement()
            .satisfies((port) -> assertThat(port).containsEntry("port", 4318));
    }

    @Test
    void tracingValuesTurnOnSpringBootsTracingKeys() {
        Environment traced = environment(configOf(render(CHART.resolve("ci/tracing-values.yaml"))));
        assertThat(traced.getProperty("management.tracing.export.enabled", Boolean.class)).isTrue();
        assertThat(traced.getProperty("management.tracing.sampling.probability", Double.class)).isEqualTo(0.01);
        assertThat(traced.getProperty("management.opentelemetry.tracing.export.otlp.endpoint"))
            .isEqualTo("http://otel-collector.observability.svc:4318/v1/traces");
        Environment plain = environment(configOf(render(DEFAULT_VALUES)));
        assertThat(plain.containsProperty("management.tracing.export.enabled")).isFalse();
    }

    @Test
    void batchingCompressionRetriesAndAdaptiveConcurrencyReachTheAppsConfiguration() {
        ForwarderProperties batched = bind(configOf(render(CHART.resolve("ci/delivery-values.yaml"))));
        ForwarderProperties plain = bind(configOf(render(DEFAULT_VALUES)));

        assertThat(batched.batch())
            .isEqualTo(new ForwarderProperties.Batch(true, 200, DataSize.ofMegabytes(2), Duration.ofMillis(50)));
        assertThat(batched.compression()).isEqualTo(ForwarderProperties.Compression.GZIP);
        assertThat(batched.retry().budgetRatio()).isEqualTo(0.25);
        assertThat(batched.concurrency())
            .isEqualTo(new ForwarderProperties.Concurrency(ForwarderProperties.Concurrency.Mode.ADAPTIVE, 4, 20));
        assertThat(plain.concurrency().mode()).isEqualTo(ForwarderProperties.Concurrency.Mode.FIXED);
        assertThat(batched.circuitOpen()).isEqualTo(ForwarderProperties.CircuitOpen.DROP);
        assertThat(plain.circuitOpen()).isEqualTo(ForwarderProperties.CircuitOpen.HOLD);
        assertThat(plain.batch().enabled()).isFalse();
        assertThat(plain.compression()).isEqualTo(ForwarderProperties.Compression.NONE);
    }

    @Test
    void callerAuthenticationReadsTheTokensFromTheGivenSecret() {
        List<Map<String, Object>> objects = render(CHART.resolve("ci/auth-values.yaml"));
        ForwarderProperties properties = bind(configOf(objects));
        Map<String, Object> deployment = find(objects, "Deployment", null);
        Map<String, Object> podSpec = map(map(map(deployment, "spec"), "template"), "spec");

        assertThat(properties.ingest().auth().enabled()).isTrue();
        assertThat(properties.ingest().auth().tokensFile()).hasToString("/etc/dump-forwarder/auth/tokens");
        // Mounted whole (a subPath mount never sees the Secret's updates).
        assertThat(list(container(deployment), "volumeMounts"))
            .anySatisfy((mount) -> assertThat(mount).containsEntry("mountPath", "/etc/dump-forwarder/auth")
                .doesNotContainKey("subPath"));
        assertThat(list(podSpec, "volumes")).anySatisfy((volume) -> assertThat(volume).containsEntry("secret", Map
            .of("secretName", "dump-forwarder-callers", "items", List.of(Map.of("key", "tokens", "path", "tokens")))));
        assertThat(bind(configOf(render(DEFAULT_VALUES))).ingest().auth().enabled()).isFalse();
    }

    @Test
    void podsRollWhenTheConfigurationChanges() {
        Object before = checksum(render(DEFAULT_VALUES));
        Object after = checksum(render(DEFAULT_VALUES, (template) -> template.set("config.maxConcurrency", 50)));

        assertThat(before).isNotNull().isNotEqualTo(after);
    }

    @Test
    void podsAreHardenedByDefault() {
        List<Map<String, Object>> objects = render(DEFAULT_VALUES);
        Map<String, Object> deployment = find(objects, "Deployment", null);
        Map<String, Object> podSpec = map(map(map(deployment, "spec"), "template"), "spec");
        Map<String, Object> container = container(deployment);

        assertThat(podSpec).containsEntry("automountServiceAccountToken", false);
        assertThat(map(podSpec, "securityContext")).containsEntry("runAsNonRoot", true)
            .containsEntry("seccompProfile", Map.of("type", "RuntimeDefault"));
        assertThat(map(container, "securityContext")).containsEntry("readOnlyRootFilesystem", true)
            .containsEntry("allowPrivilegeEscalation", false)
            .containsEntry("capabilities", Map.of("drop", List.of("ALL")));
        assertThat(list(container, "volumeMounts"))
            .anySatisfy((mount) -> assertThat(mount).containsEntry("mountPath", "/tmp"));
        assertThat(list(podSpec, "volumes")).anySatisfy((volume) -> assertThat(volume).containsKey("emptyDir"));
        assertThat(map(container, "resources")).containsKeys("requests", "limits");
        assertThat(find(objects, "ServiceAccount", null)).containsEntry("automountServiceAccountToken", false);
    }

    @Test
    void actuatorIsOnlyOnTheManagementService() {
        List<Map<String, Object>> services = render(DEFAULT_VALUES).stream()
            .filter((object) -> "Service".equals(object.get("kind")))
            .toList();

        assertThat(services).extracting((service) -> list(map(service, "spec"), "ports").get(0).get("targetPort"))
            .containsExactlyInAnyOrder("http", "management");
        assertThat(services).allSatisfy((service) -> assertThat(list(map(service, "spec"), "ports")).hasSize(1));
    }

    @Test
    void usesTheMonitoringFilesThemselves() throws IOException {
        Map<String, Object> rule = find(render(CHART.resolve("ci/prometheusrule-values.yaml")), "PrometheusRule", null);
        Map<String, Object> dashboard = find(render(CHART.resolve("ci/dashboard-values.yaml")), "ConfigMap",
                "release-name-dump-forwarder-dashboard");
        Map<String, Object> monitor = find(render(CHART.resolve("ci/servicemonitor-values.yaml")), "ServiceMonitor",
                null);

        assertThat(map(rule, "spec")).isEqualTo(yaml.load(Files.readString(Path.of("monitoring/alerts.yaml"))
            .replace("job=\"dump-forwarder\"", "job=\"release-name-dump-forwarder-management\", namespace=\"dumps\"")
            .replace("label_app_kubernetes_io_name=\"dump-forwarder\"",
                    "label_app_kubernetes_io_name=\"dump-forwarder\", label_app_kubernetes_io_instance=\"release-name\", "
                            + "namespace=\"dumps\"")
            .replace("(1 - 0.999)", "(1 - 0.995)")
            .replace("https://github.com/dump-forwarder/dump-forwarder/blob/main/docs/runbook.md",
                    "https://runbooks.example.com/dump-forwarder.md")));
        assertThat(map(dashboard, "data").get("dump-forwarder.json").toString().strip())
            .isEqualTo(Files.readString(Path.of("monitoring/dashboard.json")).strip());
        assertThat(map(map(dashboard, "metadata"), "labels")).containsEntry("grafana_dashboard", "1");
        assertThat(list(map(monitor, "spec"), "endpoints").get(0)).containsEntry("port", "management")
            .containsEntry("path", "/actuator/prometheus");
    }

    /**
     * Every selector of a dump-forwarder metric is this release's, the objective and the
     * runbook base are the values', and each alert's runbook section exists.
     */
    @Test
    void theRulesAreScopedToTheirReleaseAndTheirObjective() throws IOException {
        Map<String, Object> rule = find(render(CHART.resolve("ci/prometheusrule-values.yaml")), "PrometheusRule", null);
        String runbook = Files.readString(Path.of("docs/runbook.md"));

        List<Map<String, Object>> rules = list(map(rule, "spec"), "groups").stream()
            .flatMap((group) -> list(group, "rules").stream())
            .toList();
        assertThat(rules).extracting((each) -> (String) each.get("expr"))
            .allSatisfy((expr) -> assertThat(expr.replaceAll("\\{[^}]*namespace=\"dumps\"[^}]*}", ""))
                .doesNotContain("{job=", "{name=", "{state=", "dump-forwarder\""))
            .filteredOn((expr) -> expr.contains("* (1 - "))
            .isNotEmpty()
            .allSatisfy((expr) -> assertThat(expr).contains("(1 - 0.995)").doesNotContain("0.999"));
        assertThat(rules).filteredOn((each) -> each.containsKey("alert"))
            .extracting((each) -> map(each, "annotations").get("runbook_url").toString())
            .allSatisfy((url) -> {
                assertThat(url).startsWith("https://runbooks.example.com/dump-forwarder.md#");
                assertThat(runbook).containsIgnoringCase("## " + url.substring(url.indexOf('#') + 1));
            });
        assertThat(rules).filteredOn((each) -> each.containsKey("alert"))
            .extracting((each) -> each.get("alert"))
            .contains("DumpsLostFastBurn", "DumpsLostSlowBurn", "DumpForwarderDown");
    }

    @Test
    void kedaScalesOnTheQueueDepthTheAppExposes() {
        Map<String, Object> scaled = find(render(CHART.resolve("ci/keda-values.yaml")), "ScaledObject", null);
        Map<String, Object> trigger = list(map(scaled, "spec"), "triggers").get(0);

        assertThat(trigger).containsEntry("type", "prometheus");
        assertThat(map(trigger, "metadata").get("query").toString()).startsWith("sum(dumps_queued{");
    }

    @Test
    void theKafkaBufferTakesItsBrokerAndCredentialsFromTheValuesAndKedaScalesOnLag() {
        List<Map<String, Object>> objects = render(CHART.resolve("ci/kafka-values.yaml"));

        String applicationYml = configOf(objects);
        ForwarderProperties.Buffer buffer = bind(applicationYml).buffer();
        assertThat(buffer.type()).isEqualTo(ForwarderProperties.Buffer.Type.KAFKA);
        assertThat(buffer.kafka().topic()).isEqualTo("recsys-dumps");
        assertThat(buffer.kafka().deadLetterTopic()).isEqualTo("recsys-dumps-refused");
        Environment environment = environment(applicationYml);
        assertThat(environment.getProperty("spring.kafka.bootstrap-servers"))
            .isEqualTo("kafka-0.kafka.messaging.svc:9093,kafka-1.kafka.messaging.svc:9093");
        assertThat(environment.getProperty("spring.kafka.consumer.group-id")).isEqualTo("dump-forwarder");
        assertThat(environment.getProperty("spring.kafka.properties.security.protocol")).isEqualTo("SASL_SSL");
        assertThat(environment.getProperty("spring.kafka.properties.sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        Map<String, Map<String, Object>> env = new HashMap<>();
        list(container(find(objects, "Deployment", null)), "env")
            .forEach((variable) -> env.put((String) variable.get("name"), variable));
        assertThat(map(map(env.get("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"), "valueFrom"), "secretKeyRef"))
            .containsEntry("name", "kafka-credentials")
            .containsEntry("key", "sasl.jaas.config");

        Map<String, Object> trigger = list(map(find(objects, "ScaledObject", null), "spec"), "triggers").get(0);
        assertThat(trigger).containsEntry("type", "kafka");
        assertThat(map(trigger, "metadata")).containsEntry("consumerGroup", "dump-forwarder")
            .containsEntry("topic", "recsys-dumps")
            .containsEntry("lagThreshold", "1000");
        assertThat(map(trigger, "authenticationRef")).containsEntry("name", "kafka-scram");
        assertThat(environment(configOf(render(DEFAULT_VALUES))).containsProperty("spring.kafka.bootstrap-servers"))
            .isFalse();
    }

    @Test
    void theKafkaBufferNeedsBootstrapServers() {
        assertThatThrownBy(() -> new Helm(CHART).template()
            .withKubeVersion("1.33.0")
            .set("config.dumpUrl", "http://collector/dumps")
            .set("config.buffer.type", "kafka")
            .call()).hasMessageContaining("kafka.bootstrapServers is required");
    }

    @Test
    void refusesToRenderWithoutADumpUrl() {
        assertThatThrownBy(() -> new Helm(CHART).template().withKubeVersion("1.33.0").call())
            .hasMessageContaining("config.dumpUrl is required");
    }

    @Test
    void everyValueIsExplainedByAComment() throws IOException {
        List<String> lines = Files.readAllLines(CHART.resolve("values.yaml"));
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
        assertThatThrownBy(() -> render(DEFAULT_VALUES, (template) -> template.set("config.maxConcurency", 10)))
            .hasMessageContaining("maxConcurency");
        assertThatThrownBy(() -> render(DEFAULT_VALUES, (template) -> template.set("config.maxAge", "thirty seconds")))
            .hasMessageContaining("maxAge");
    }

    @Test
    void refusesTwoAutoscalersAtOnce() {
        assertThatThrownBy(() -> render(DEFAULT_VALUES,
                (template) -> template.set("autoscaling.enabled", true).set("keda.enabled", true)))
            .hasMessageContaining("enable one of them");
    }

    private static List<Map<String, Object>> render(Path values) {
        return render(values, (template) -> {
        });
    }

    private static List<Map<String, Object>> render(Path values, Consumer<TemplateCommand> settings) {
        return render(CHART, values, settings);
    }

    private static List<Map<String, Object>> render(Path chart, Path values, Consumer<TemplateCommand> settings) {
        TemplateCommand template = new Helm(chart).template()
            .withName("release-name")
            .withNamespace("dumps")
            .withKubeVersion("1.33.0")
            .withValuesFile(values);
        settings.accept(template);
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : yaml.loadAll(template.call())) {
            if (document != null) {
                objects.add(cast(document));
            }
        }
        return objects;
    }

    /** Kubernetes' own model classes reject unknown fields and missing required ones. */
    private static void validate(Map<String, Object> object) {
        try {
            validate((String) object.get("kind"), object, new Gson().toJsonTree(object));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        assertThat(map(object, "metadata").get("name")).asString().isNotBlank();
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
            case "ServiceMonitor" -> assertThat(list(map(object, "spec"), "endpoints")).isNotEmpty();
            case "PrometheusRule" -> assertThat(list(map(object, "spec"), "groups")).isNotEmpty();
            case "ScaledObject" -> assertThat(map(object, "spec")).containsKeys("scaleTargetRef", "triggers");
            default -> throw new AssertionError("unexpected kind " + kind);
        }
    }

    /** Copies the chart, every file of it, into this directory. */
    private static void copyChart(Path copy) throws IOException {
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(CHART.relativize(file).toString());
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
        Map<String, Object> merged = merge(cast(yaml.load(Files.readString(CHART.resolve("values.yaml")))),
                cast(yaml.load(Files.readString(values))));
        Files.writeString(copy.resolve("values.yaml"), yaml.dump(merged));
        return copy;
    }

    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        override.forEach((key, value) -> merged.merge(key, value, (left,
                right) -> (left instanceof Map && right instanceof Map) ? merge(cast(left), cast(right)) : right));
        return merged;
    }

    private static String configOf(List<Map<String, Object>> objects) {
        return (String) map(find(objects, "ConfigMap", "release-name-dump-forwarder"), "data").get("application.yml");
    }

    private static ForwarderProperties bind(String applicationYml) {
        return Binder.get(environment(applicationYml)).bindOrCreate("forwarder", ForwarderProperties.class);
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
        Map<String, Object> template = map(map(find(objects, "Deployment", null), "spec"), "template");
        return (map(template, "metadata").get("annotations") instanceof Map<?, ?> annotations)
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

    private static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
        return objects.stream()
            .filter((object) -> kind.equals(object.get("kind")))
            .filter((object) -> name == null || name.equals(map(object, "metadata").get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + " " + Objects.toString(name, "")));
    }

    private static Map<String, Object> container(Map<String, Object> deployment) {
        return list(map(map(map(deployment, "spec"), "template"), "spec"), "containers").get(0);
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return cast(Objects.requireNonNull(parent.get(key), key));
    }

    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        return cast(Objects.requireNonNull(parent.get(key), key));
    }

    private static Map<String, Object> copy(Map<String, Object> object) {
        return cast(yaml.load(yaml.dump(object)));
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }

}
