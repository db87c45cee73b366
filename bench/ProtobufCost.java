import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;

/**
 * What a protobuf dump costs ingest against the same dump sent as JSON, in one JVM: the JSON dump's whole check
 * (ingest/JsonCheck's one pass, strict UTF-8 and JSON, picking uid and traceId; before issue 39 a UTF-8 pass and
 * Jackson's streaming parse), the protobuf dump's transcoding to the
 * callers' JSON (protobuf/Transcoder, identifiers included), and, for the other design, DynamicMessage.parseFrom
 * alone (the tree a tree-based transcoder would build before writing any JSON). Two dumps of the shape of
 * src/test/resources/protobuf/recdump.proto: a small one (10 candidates, 1 feature each, about 1 KB of
 * protobuf) and a large one (150 candidates of 12 features, about 38 KB of JSON). Medians of 15 rounds.
 *
 * Run after ./mvnw compile, with the dependencies on the class path:
 * java -cp "target/classes:$(cat target/classpath.txt)" bench/ProtobufCost.java
 * With --write DIR it times nothing and writes both dumps for bench/run.sh's protobuf scenario instead: small.pb
 * and large.pb, and their JSON (the service's transcoding, the callers' JSON), small.json and large.json.
 */
public class ProtobufCost {

    public static void main(String[] args) throws Exception {
        FileDescriptorSet set;
        try (InputStream in = Files.newInputStream(Path.of("src/test/resources/protobuf/recdump.pb"))) {
            set = FileDescriptorSet.parseFrom(in);
        }
        FileDescriptor file = FileDescriptor.buildFrom(set.getFile(2), new FileDescriptor[] {
                FileDescriptor.buildFrom(set.getFile(0), new FileDescriptor[0]),
                FileDescriptor.buildFrom(set.getFile(1), new FileDescriptor[0]) });
        Descriptor type = file.findMessageTypeByName("AlgorithmRecomDumpReq");
        Class<?> transcoderClass = Class.forName("io.dumpforwarder.protobuf.Transcoder");
        Object transcoder = transcoderClass.getMethod("load", Path.class, String.class)
            .invoke(null, Path.of("src/test/resources/protobuf/recdump.pb"), "pbrrec.AlgorithmRecomDumpReq");
        Method transcode = transcoderClass.getMethod("transcode", byte[].class, int.class, int.class);
        Method toJson = transcoderClass.getMethod("toJson", byte[].class, int.class, int.class);
        Class<?> reader = Class.forName("io.dumpforwarder.ingest.JsonCheck");
        Method read = reader.getDeclaredMethod("read", byte[].class, int.class, int.class);
        read.setAccessible(true);

        for (int[] shape : new int[][] { { 10, 1 }, { 150, 12 } }) {
            byte[] wire = dump(type, shape[0], shape[1]).toByteArray();
            byte[] json = (byte[]) toJson.invoke(transcoder, wire, 0, wire.length);
            if (args.length == 2 && args[0].equals("--write")) {
                String name = (shape[0] > 10) ? "large" : "small";
                Files.write(Path.of(args[1], name + ".pb"), wire);
                Files.write(Path.of(args[1], name + ".json"), json);
                continue;
            }
            int per = (shape[0] > 10) ? 5_000 : 100_000;
            System.out.printf("%d candidates x %d features: protobuf %d bytes, JSON %d bytes%n", shape[0], shape[1],
                    wire.length, json.length);
            System.out.printf("  JSON dump, whole check:              %8.0f ns%n",
                    median(per, () -> read.invoke(null, json, 0, json.length)));
            System.out.printf("  protobuf dump, transcode to JSON:    %8.0f ns%n",
                    median(per, () -> transcode.invoke(transcoder, wire, 0, wire.length)));
            System.out.printf("  protobuf dump, DynamicMessage parse: %8.0f ns%n",
                    median(per, () -> DynamicMessage.parseFrom(type, wire)));
        }
    }

    private static DynamicMessage dump(Descriptor type, int candidates, int features) {
        Descriptor candidate = type.findFieldByName("candidates").getMessageType();
        Descriptor feature = candidate.findFieldByName("features").getMessageType();
        DynamicMessage.Builder dump = DynamicMessage.newBuilder(type)
            .setField(type.findFieldByName("uid"), 9007199254740993L)
            .setField(type.findFieldByName("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736")
            .setField(type.findFieldByName("scene"), type.getFile().findEnumTypeByName("Scene").findValueByNumber(1));
        for (int c = 0; c < candidates; c++) {
            DynamicMessage.Builder one = DynamicMessage.newBuilder(candidate)
                .setField(candidate.findFieldByName("item_id"), 100_000L + c)
                .setField(candidate.findFieldByName("score"), 0.5 + c / 1000.0);
            for (int f = 0; f < features; f++) {
                one.addRepeatedField(candidate.findFieldByName("features"), DynamicMessage.newBuilder(feature)
                    .setField(feature.findFieldByName("name"), "feature_" + f)
                    .setField(feature.findFieldByName("value"), 0.001 * (c + 1) * (f + 1))
                    .build());
            }
            dump.addRepeatedField(type.findFieldByName("candidates"), one.build());
        }
        return dump.build();
    }

    interface Step {

        Object run() throws Exception;

    }

    private static double median(int per, Step step) throws Exception {
        double[] nanos = new double[15];
        Object sink = null;
        for (int i = 0; i < per; i++) {
            sink = step.run();
        }
        for (int r = 0; r < nanos.length; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < per; i++) {
                sink = step.run();
            }
            nanos[r] = (System.nanoTime() - start) / (double) per;
        }
        java.util.Arrays.sort(nanos);
        if (sink == null) {
            throw new IllegalStateException();
        }
        return nanos[nanos.length / 2];
    }

}
