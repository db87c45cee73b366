package io.dumpforwarder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata the build generates for IDE completion: every
 * {@code forwarder.*} key of application.yml has a description, and every key that takes
 * one of a few words has a hint for each.
 */
class ConfigurationMetadataTests {

    private static final Set<String> ENUM_KEYS = Set.of("forwarder.concurrency.mode", "forwarder.compression",
            "forwarder.circuit-open", "forwarder.rate-limiter.unit", "forwarder.rate-limiter.scope",
            "forwarder.buffer.type");

    @Test
    void everyForwarderKeyOfApplicationYmlIsDescribed() throws IOException {
        JsonNode metadata = metadata();
        Map<String, String> descriptions = new HashMap<>();
        metadata.get("properties")
            .forEach((property) -> descriptions.put(property.get("name").asString(),
                    property.has("description") ? property.get("description").asString() : ""));
        List<String> keys = new ArrayList<>();
        // The first document: the defaults (the others are profiles).
        flatten("", new Yaml().loadAll(Files.readString(Path.of("application.yml"))).iterator().next(), keys);

        List<String> forwarderKeys = keys.stream().filter((key) -> key.startsWith("forwarder.")).toList();
        assertThat(forwarderKeys).hasSizeGreaterThan(40);
        assertThat(forwarderKeys).allSatisfy((key) -> assertThat(descriptions.get(key)).as(key).isNotBlank());
    }

    /**
     * The reference page cannot drift from the settings: its table lists every
     * {@code forwarder.*} key the settings records define, and no other (a row may name
     * two keys of one prefix, as
     * {@code `forwarder.retry.initial-backoff` / `max-backoff`}).
     */
    @Test
    void theReferencePageListsEveryForwarderKeyAndNoOther() throws IOException {
        Set<String> defined = new HashSet<>();
        metadata().get("properties").forEach((property) -> defined.add(property.get("name").asString()));
        defined.removeIf((key) -> !key.startsWith("forwarder."));
        Set<String> documented = new HashSet<>();
        Matcher row = Pattern.compile("(?m)^\\| (`forwarder\\.[^|]*)\\|")
            .matcher(Files.readString(Path.of("docs/configuration.md")));
        while (row.find()) {
            Matcher name = Pattern.compile("`([a-z0-9.-]+)`").matcher(row.group(1));
            name.find();
            String first = name.group(1);
            documented.add(first);
            while (name.find()) {
                documented.add(first.substring(0, first.lastIndexOf('.') + 1) + name.group(1));
            }
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(defined);
    }

    @Test
    void everyKeyOfAFewWordsHasAHintForEachWord() throws IOException {
        Map<String, Integer> hinted = new HashMap<>();
        metadata().get("hints").forEach((hint) -> hinted.put(hint.get("name").asString(), hint.get("values").size()));

        assertThat(hinted).containsOnlyKeys(ENUM_KEYS);
        assertThat(hinted.values()).allSatisfy((values) -> assertThat(values).isEqualTo(2));
    }

    private static JsonNode metadata() throws IOException {
        try (InputStream in = ConfigurationMetadataTests.class
            .getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            return JsonMapper.builder().build().readTree(in);
        }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, List<String> keys) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, keys));
        }
        else {
            keys.add(prefix);
        }
    }

}
