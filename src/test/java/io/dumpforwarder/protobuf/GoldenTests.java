package io.dumpforwarder.protobuf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.dumpforwarder.protobuf.WireCases.Case;
import io.dumpforwarder.protobuf.WireCases.Verdict;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The service's JSON for a protobuf dump equals the callers' Go code's: a Go program
 * ({@code src/test/go/golden}) marshals a set of messages covering every field kind both
 * ways, {@code proto.Marshal} and {@code jsoniter.Marshal} of the {@code protoc-gen-go}
 * struct, and each of the service's transcodings must be the same bytes (the same JSON
 * value where a map's order is Go's map order). Then wire bytes Go's marshaller never
 * writes ({@link WireCases}): Go's {@code proto.Unmarshal} and the service must refuse
 * the same ones and make the same JSON of the others. Needs Debian's golang-go,
 * protobuf-compiler, protoc-gen-go, golang-google-protobuf-dev and
 * golang-github-json-iterator-go-dev ({@code .ci/run} installs them); skipped, naming
 * them, without.
 */
class GoldenTests {

    static final String PACKAGES = "golang-go protobuf-compiler protoc-gen-go golang-google-protobuf-dev "
            + "golang-github-json-iterator-go-dev";

    private static final Path GOCODE = Path.of("/usr/share/gocode/src");

    @TempDir
    static Path work;

    private static Path set;

    private static Path golden;

    @BeforeAll
    static void buildTheGoProgram() throws Exception {
        assumeTrue(
                onPath("go") && onPath("protoc") && onPath("protoc-gen-go")
                        && Files.isDirectory(GOCODE.resolve("github.com/json-iterator/go"))
                        && Files.isDirectory(GOCODE.resolve("google.golang.org/protobuf")),
                "the golden test needs Debian's " + PACKAGES);
        set = work.resolve("recdump.pb");
        golden = work.resolve("golden");
        Path source = Files.createDirectories(work.resolve("src/golden"));
        run(List.of("protoc", "-Isrc/test/resources/protobuf", "--include_imports", "--descriptor_set_out=" + set,
                "--go_out=" + work.resolve("src"), "--go_opt=paths=import", "recdump.proto", "legacy.proto"),
                Path.of("."), Map.of());
        Files.copy(Path.of("src/test/go/golden/main.go"), source.resolve("main.go"));
        run(List.of("go", "build", "-o", golden.toString(), "."), source,
                Map.of("GO111MODULE", "off", "GOPATH", work + ":" + GOCODE.getParent(), "GOCACHE",
                        Path.of("target/go-cache").toAbsolutePath().toString(), "GOFLAGS", "-mod=mod"));
    }

    @Test
    void everyMessageIsTheJsonTheCallersGoCodeSends() throws Exception {
        Path out = Files.createDirectories(work.resolve("out"));
        run(List.of(golden.toString(), out.toString()), out, Map.of());
        Transcoder transcoder = Transcoder.load(set, "pbrrec.AlgorithmRecomDumpReq");
        JsonMapper json = JsonMapper.builder().build();

        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path wire : files.filter((file) -> file.toString().endsWith(".pb")).sorted().toList()) {
                String name = wire.getFileName().toString().replace(".pb", "");
                byte[] bytes = Files.readAllBytes(wire);
                String expected = Files.readString(out.resolve(name + ".json"));
                String actual = new String(transcoder.toJson(bytes, 0, bytes.length),
                        java.nio.charset.StandardCharsets.UTF_8);
                if (name.endsWith("-map")) {
                    assertThat(json.readTree(actual)).as(name).isEqualTo(json.readTree(expected));
                }
                else {
                    assertThat(actual).as(name).isEqualTo(expected);
                }
                names.add(name);
            }
        }
        assertThat(names).contains("empty", "typical", "extremes", "floats", "strings", "presence", "wellknown",
                "typical-map", "random-floats");
    }

    @Test
    void wireBytesWrittenByHandAreReadAsGoReadsThem() throws Exception {
        Path dir = Files.createDirectories(work.resolve("wire"));
        Map<String, Case> cases = WireCases.all();
        for (Map.Entry<String, Case> each : cases.entrySet()) {
            Files.write(dir.resolve(each.getKey() + ".bin"), each.getValue().wire());
        }
        run(List.of(golden.toString(), "unmarshal", dir.toString()), dir, Map.of());
        Transcoder dump = Transcoder.load(set, "pbrrec.AlgorithmRecomDumpReq");
        Transcoder legacy = Transcoder.load(set, "pbrrec.Legacy");
        JsonMapper json = JsonMapper.builder().build();

        SoftAssertions softly = new SoftAssertions();
        for (Map.Entry<String, Case> each : cases.entrySet()) {
            String name = each.getKey();
            byte[] wire = each.getValue().wire();
            Verdict verdict = each.getValue().verdict();
            Path refusal = dir.resolve(name + ".err");
            boolean goRefuses = Files.exists(refusal);
            String go = Files.readString(goRefuses ? refusal : dir.resolve(name + ".json"));
            softly.assertThat(goRefuses).as("%s: Go's %s", name, go).isEqualTo(verdict == Verdict.GO_REFUSES);
            Transcoded transcoded = null;
            String service;
            try {
                transcoded = (name.startsWith("legacy-") ? legacy : dump).transcode(wire, 0, wire.length);
                service = new String(transcoded.json(), java.nio.charset.StandardCharsets.UTF_8);
            }
            catch (MalformedProtobufException ex) {
                service = ex.getMessage();
            }
            softly.assertThat(transcoded == null)
                .as("%s refused: the service's %s, Go's %s", name, service, go)
                .isEqualTo(verdict != Verdict.GO_ACCEPTS);
            if (transcoded == null || goRefuses) {
                continue;
            }
            JsonNode expected = json.readTree(go);
            if (name.endsWith("-map")) {
                softly.assertThat(json.readTree(service)).as(name).isEqualTo(expected);
            }
            else {
                softly.assertThat(service).as(name).isEqualTo(go);
            }
            if (!name.startsWith("legacy-")) {
                softly.assertThat(transcoded.uid())
                    .as("%s's uid", name)
                    .isEqualTo(expected.has("uid") ? expected.get("uid").toString() : null);
                softly.assertThat(transcoded.traceId())
                    .as("%s's trace id", name)
                    .isEqualTo(expected.has("trace_id") ? expected.get("trace_id").stringValue() : null);
            }
        }
        softly.assertAll();
        assertThat(cases).hasSizeGreaterThan(100);
    }

    private static void run(List<String> command, Path directory, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch((dir) -> Files.isExecutable(Path.of(dir, command)));
    }

}
