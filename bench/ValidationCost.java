import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;

/**
 * What ingest's checks of one dump cost, on this machine, in one JVM: the strict UTF-8 pass alone, and the whole
 * check of a dump (the UTF-8 pass, then Jackson's streaming parse that picks uid and traceId). Medians of 15 rounds
 * of 200,000 checks each, after a warm-up of as many; a 1.6 KB dump like the benchmark's, ASCII with a few
 * multi-byte characters.
 *
 * Run after ./mvnw compile, with jackson-core on the class path:
 * java -cp "target/classes:$HOME/.m2/repository/tools/jackson/core/jackson-core/3.1.7/jackson-core-3.1.7.jar" \
 *   bench/ValidationCost.java
 */
public class ValidationCost {

    public static void main(String[] args) throws Exception {
        StringBuilder dump = new StringBuilder("{\"uid\":\"u-123456\",\"traceId\":\"5af7651916cd43dd8448eb211c80319c\","
                + "\"scene\":\"home\",\"name\":\"caf\u00e9 \u2603\",\"candidates\":[");
        for (int i = 0; dump.length() < 1560; i++) {
            dump.append("{\"id\":").append(1000 + i).append(",\"score\":0.").append(9000 - i).append("},");
        }
        dump.setLength(dump.length() - 1);
        dump.append("]}");
        byte[] bytes = dump.toString().getBytes(StandardCharsets.UTF_8);

        Class<?> utf8 = Class.forName("io.dumpforwarder.body.Utf8");
        Method firstInvalid = utf8.getDeclaredMethod("firstInvalid", byte[].class, int.class, int.class);
        firstInvalid.setAccessible(true);
        Class<?> reader = Class.forName("io.dumpforwarder.ingest.DumpReader");
        Method read = reader.getDeclaredMethod("read", byte[].class, int.class, int.class);
        read.setAccessible(true);

        System.out.printf("dump: %d bytes%n", bytes.length);
        System.out.printf("strict UTF-8 pass: %.0f ns a dump%n", median(() -> firstInvalid.invoke(null, bytes, 0,
                bytes.length)));
        System.out.printf("whole check (UTF-8 pass + parse): %.0f ns a dump%n", median(() -> read.invoke(null, bytes,
                0, bytes.length)));
    }

    interface Check {

        Object run() throws Exception;

    }

    private static double median(Check check) throws Exception {
        int rounds = 15;
        int per = 200_000;
        double[] nanos = new double[rounds];
        Object sink = null;
        for (int i = 0; i < per; i++) {
            sink = check.run();
        }
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < per; i++) {
                sink = check.run();
            }
            nanos[r] = (System.nanoTime() - start) / (double) per;
        }
        if (sink == Boolean.TRUE) {
            System.out.print("");
        }
        java.util.Arrays.sort(nanos);
        return nanos[rounds / 2];
    }

}
