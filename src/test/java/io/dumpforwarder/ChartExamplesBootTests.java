package io.dumpforwarder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dumpforwarder.support.HelmChart;
import io.dumpforwarder.support.KafkaBroker;
import io.dumpforwarder.support.PodProcess;
import io.dumpforwarder.support.RedisServer;
import io.dumpforwarder.support.TestPki;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each of the chart's example values files booted as its pod would be
 * ({@link PodProcess}: the packaged jar, the image's entry point and flags, the rendered
 * configuration, args, environment and memory limit), to readiness. What a pod finds
 * outside is stood in for by the real thing on this machine, named by a later argument
 * the way the pod's mounted file or reachable host would be: a Kafka broker (plaintext),
 * a Redis server, a tokens file, certificates. Runs after the jar is packaged (surefire
 * execution {@code chart-examples}).
 */
class ChartExamplesBootTests {

    private static final Duration START = Duration.ofMinutes(3);

    private static RedisServer redis;

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @ParameterizedTest
    @MethodSource("io.dumpforwarder.support.HelmChart#exampleValues")
    void everyExampleBootsToReadyAtItsOwnMemoryLimit(Path values, @TempDir Path pod) throws Exception {
        List<Map<String, Object>> objects = HelmChart.render(values);

        try (PodProcess started = PodProcess.start(objects, pod, standIns(objects, pod))) {
            assertThat(started.awaitReadyOrExit(START)).as(values + " did not boot:\n" + tail(started.output()))
                .isTrue();
        }
    }

    @Test
    void aMemoryBoundThatDoesNotFitSaysWhichLimitOrQueueWould(@TempDir Path pod) {
        Path delivery = HelmChart.CHART.resolve("ci/delivery-values.yaml");
        String refusal;
        try (PodProcess tooSmall = PodProcess.start(HelmChart.render(delivery,
                (template) -> template.set("resources.limits.memory", "384Mi").set("config.queue.maxBytes", "64MB")),
                pod.resolve("too-small"), List.of())) {
            assertThat(tooSmall.awaitReadyOrExit(START)).isFalse();
            refusal = tooSmall.output();
        }
        Matcher limit = Pattern.compile("memory limit of at least (\\d+)Mi").matcher(refusal);
        Matcher queue = Pattern.compile("forwarder.queue.max-bytes of at most (\\d+)MB").matcher(refusal);
        assertThat(limit.find()).as(tail(refusal)).isTrue();
        assertThat(queue.find()).as(tail(refusal)).isTrue();

        try (PodProcess larger = PodProcess.start(
                HelmChart.render(delivery, (template) -> template.set("resources.limits.memory", limit.group(1) + "Mi")
                    .set("config.queue.maxBytes", "64MB")),
                pod.resolve("larger"), List.of())) {
            assertThat(larger.awaitReadyOrExit(START)).as(tail(larger.output())).isTrue();
        }
        try (PodProcess smallerQueue = PodProcess.start(
                HelmChart.render(delivery,
                        (template) -> template.set("resources.limits.memory", "384Mi")
                            .set("config.queue.maxBytes", queue.group(1) + "MB")),
                pod.resolve("smaller-queue"), List.of())) {
            assertThat(smallerQueue.awaitReadyOrExit(START)).as(tail(smallerQueue.output())).isTrue();
        }
    }

    /** Arguments standing in for what this pod would find outside. */
    private static List<String> standIns(List<Map<String, Object>> objects, Path pod) throws Exception {
        Map<String, Object> config = new Yaml().load(HelmChart.configOf(objects));
        List<String> args = new ArrayList<>();
        if (at(config, "forwarder", "ingest", "auth", "tokens-file") != null) {
            Path tokens = Files.writeString(pod.resolve("tokens"), "boot-test:" + UUID.randomUUID() + "\n");
            args.add("--forwarder.ingest.auth.tokens-file=" + tokens);
        }
        if (at(config, "spring", "kafka", "bootstrap-servers") != null) {
            args.add("--spring.kafka.bootstrap-servers=" + KafkaBroker.bootstrapServers());
            args.add("--spring.kafka.properties[security.protocol]=PLAINTEXT");
            for (String topic : List.of("topic", "dead-letter-topic")) {
                if (at(config, "forwarder", "buffer", "kafka", topic) instanceof String name && !name.isEmpty()) {
                    KafkaBroker.createTopic(name, 1);
                }
            }
        }
        if (at(config, "spring", "ssl", "bundle", "pem") instanceof Map<?, ?> bundles) {
            X509Bundle ca = TestPki.ca("boot test CA");
            X509Bundle client = TestPki.client(ca, "dump-forwarder");
            for (Object name : bundles.keySet()) {
                String bundle = "--spring.ssl.bundle.pem." + name;
                args.add(bundle + ".truststore.certificate=file:" + ca.toTempRootCertPem());
                args.add(bundle + ".keystore.certificate=file:" + client.toTempCertChainPem());
                args.add(bundle + ".keystore.private-key=file:" + client.toTempPrivateKeyPem());
            }
        }
        if (at(config, "forwarder", "ingest", "protobuf", "descriptor-set") instanceof String mounted) {
            // The file the pod would find in its mounted ConfigMap, from the rendered
            // one.
            String key = Path.of(mounted).getFileName().toString();
            Path descriptors = pod.resolve(key);
            objects.stream()
                .filter((object) -> object.get("binaryData") instanceof Map<?, ?> data && data.containsKey(key))
                .findFirst()
                .ifPresent((object) -> writeBase64(descriptors, HelmChart.map(object, "binaryData").get(key)));
            args.add("--forwarder.ingest.protobuf.descriptor-set=" + descriptors);
        }
        if ("cluster".equals(at(config, "forwarder", "rate-limiter", "scope"))) {
            if (redis == null) {
                redis = new RedisServer();
            }
            args.add("--spring.data.redis.url=redis://127.0.0.1:" + redis.port());
        }
        return args;
    }

    private static void writeBase64(Path file, Object base64) {
        try {
            Files.write(file, java.util.Base64.getDecoder().decode(base64.toString()));
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static Object at(Map<String, Object> tree, String... keys) {
        Object node = tree;
        for (String key : keys) {
            node = (node instanceof Map<?, ?> map) ? map.get(key) : null;
        }
        return node;
    }

    private static String tail(String output) {
        return output.substring(Math.max(0, output.length() - 6000));
    }

}
