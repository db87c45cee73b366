import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.dumpforwarder.body.Utf8;

/**
 * What ingest's check of one dump costs, on this machine, in one JVM, two ways: Jackson's (the strict UTF-8 pass,
 * then Jackson's streaming parse picking uid and traceId, as DumpReader did until issue 39) and ingest's own single
 * pass (JsonCheck), with the strict UTF-8 pass alone for scale. Two dumps: 1.6 KB like the load benchmark's (ASCII
 * with a few multi-byte characters) and about 38 KB (150 candidates of 12 features). Each round times every check
 * in turn for about 100 ms, after a warm-up of 2 s each; medians of 15 rounds, and the median of the rounds'
 * ratios, which a busy machine disturbs less than the times themselves. Times are the measuring thread's CPU time,
 * so that time the machine gives to other processes is not counted (on a quiet machine, the elapsed time).
 *
 * Jackson's check is the tests' reference, src/test/java/io/dumpforwarder/ingest/JacksonReader.java. Run after
 * ./mvnw test-compile, with jackson-core on the class path:
 * java -cp "target/classes:target/test-classes:$HOME/.m2/repository/tools/jackson/core/jackson-core/3.1.7/jackson-core-3.1.7.jar" \
 *   bench/ValidationCost.java
 */
public class ValidationCost {

    public static void main(String[] args) throws Exception {
        Method single = Class.forName("io.dumpforwarder.ingest.JsonCheck")
            .getDeclaredMethod("read", byte[].class, int.class, int.class);
        single.setAccessible(true);
        Method jackson = Class.forName("io.dumpforwarder.ingest.JacksonReader")
            .getDeclaredMethod("read", byte[].class, int.class, int.class);
        jackson.setAccessible(true);
        for (byte[] dump : new byte[][] { small(), large() }) {
            Check[] checks = { () -> Utf8.firstInvalid(dump, 0, dump.length), () -> jackson.invoke(null, dump, 0, dump.length),
                    () -> single.invoke(null, dump, 0, dump.length) };
            if (!String.valueOf(checks[1].run()).equals(String.valueOf(checks[2].run()))) {
                throw new IllegalStateException("the checks disagree");
            }
            double[][] nanos = measure(checks);
            double[] ratios = new double[nanos[0].length];
            for (int r = 0; r < ratios.length; r++) {
                ratios[r] = nanos[1][r] / nanos[2][r];
            }
            System.out.printf("dump: %d bytes%n", dump.length);
            String[] names = { "strict UTF-8 pass alone", "Jackson (UTF-8 pass + parse)", "single pass (JsonCheck)" };
            for (int c = 0; c < checks.length; c++) {
                double median = median(nanos[c]);
                System.out.printf("  %-30s %9.0f ns of CPU a dump, %5.0f MB/s%n", names[c], median,
                        dump.length * 1e3 / median);
            }
            System.out.printf("  Jackson / single pass: %.2f (rounds: %.2f to %.2f)%n", median(ratios),
                    Arrays.stream(ratios).min().getAsDouble(), Arrays.stream(ratios).max().getAsDouble());
        }
    }

    /** The dump of the load benchmark's size, 1.6 KB. */
    private static byte[] small() {
        StringBuilder dump = new StringBuilder("{\"uid\":\"u-123456\",\"traceId\":\"5af7651916cd43dd8448eb211c80319c\","
                + "\"scene\":\"home\",\"name\":\"caf\u00e9 \u2603\",\"candidates\":[");
        for (int i = 0; dump.length() < 1560; i++) {
            dump.append("{\"id\":").append(1000 + i).append(",\"score\":0.").append(9000 - i).append("},");
        }
        dump.setLength(dump.length() - 1);
        dump.append("]}");
        return dump.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** 150 candidates of 12 features each, about 38 KB. */
    private static byte[] large() {
        StringBuilder dump = new StringBuilder("{\"uid\":9007199254740993,\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
                + "\"scene\":\"HOME\",\"candidates\":[");
        for (int c = 0; c < 150; c++) {
            dump.append((c > 0) ? "," : "").append("{\"itemId\":").append(100_000 + c).append(",\"score\":")
                .append(0.5 + c / 1000.0).append(",\"features\":{");
            for (int f = 0; f < 12; f++) {
                dump.append((f > 0) ? "," : "").append("\"feature").append(f).append("\":")
                    .append(String.format("%.3f", 0.0007 * (c + 1) * (f + 1)));
            }
            dump.append("}}");
        }
        return dump.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    interface Check {

        Object run() throws Exception;

    }

    /** Nanoseconds a dump, per check and round. */
    private static double[][] measure(Check[] checks) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int[] per = new int[checks.length];
        for (int c = 0; c < checks.length; c++) {
            long start = threads.getCurrentThreadCpuTime();
            int runs = 0;
            while (threads.getCurrentThreadCpuTime() - start < 2_000_000_000L) {
                for (int i = 0; i < 1000; i++) {
                    sink(checks[c].run());
                }
                runs += 1000;
            }
            per[c] = Math.max(1000, runs / 20);
        }
        double[][] nanos = new double[checks.length][15];
        for (int r = 0; r < 15; r++) {
            for (int c = 0; c < checks.length; c++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < per[c]; i++) {
                    sink(checks[c].run());
                }
                nanos[c][r] = (threads.getCurrentThreadCpuTime() - start) / (double) per[c];
            }
        }
        return nanos;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static volatile Object sunk;

    private static void sink(Object result) {
        sunk = result;
    }

}
