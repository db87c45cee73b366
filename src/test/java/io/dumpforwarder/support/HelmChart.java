package io.dumpforwarder.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart rendered by Helm itself (helm-java), as release {@code release-name} in
 * namespace {@code dumps}, and what tests read from the objects it renders.
 */
public final class HelmChart {

    public static final Path CHART = Path.of("helm/dump-forwarder");

    private static final Yaml yaml = new Yaml();

    private HelmChart() {
    }

    /** Every {@code ci/*-values.yaml} of the chart, sorted. */
    public static Stream<Path> exampleValues() throws IOException {
        try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
            return files.filter((file) -> file.toString().endsWith("-values.yaml")).sorted().toList().stream();
        }
    }

    public static List<Map<String, Object>> render(Path values) {
        return render(values, (template) -> {
        });
    }

    public static List<Map<String, Object>> render(Path values, Consumer<TemplateCommand> settings) {
        return render(CHART, values, settings);
    }

    public static List<Map<String, Object>> render(Path chart, Path values, Consumer<TemplateCommand> settings) {
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

    /** The object of this kind (and name, unless null). */
    public static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
        return objects.stream()
            .filter((object) -> kind.equals(object.get("kind")))
            .filter((object) -> name == null || name.equals(map(object, "metadata").get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + " " + Objects.toString(name, "")));
    }

    /** The application.yml the pods read. */
    public static String configOf(List<Map<String, Object>> objects) {
        return (String) map(find(objects, "ConfigMap", "release-name-dump-forwarder"), "data").get("application.yml");
    }

    /** The service's container of the Deployment. */
    public static Map<String, Object> container(Map<String, Object> deployment) {
        return list(map(map(map(deployment, "spec"), "template"), "spec"), "containers").get(0);
    }

    public static Map<String, Object> map(Map<String, Object> parent, String key) {
        return cast(Objects.requireNonNull(parent.get(key), key));
    }

    public static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        return cast(Objects.requireNonNull(parent.get(key), key));
    }

    @SuppressWarnings("unchecked")
    public static <T> T cast(Object value) {
        return (T) value;
    }

}
