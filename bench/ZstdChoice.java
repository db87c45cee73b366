import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.compression.Decompressor;

/**
 * Which zstd library ingest decompresses with, by measurement, in one JVM: a 100-dump NDJSON body of the
 * benchmark's shape (dumps that differ as callers' do), zstd level 3, decompressed (a) the way ingest does it, through Netty's streaming
 * ZstdDecompressor over zstd-jni, the body fed in 16 KB pieces as a socket delivers it, and (b) by aircompressor
 * 2.0.2's pure-Java ZstdDecompressor, whole frame into a presized array (its fastest path; it has no
 * non-blocking streaming decoder). Medians of 15 rounds of 2,000 bodies, after a warm-up of as many.
 *
 * Run after ./mvnw compile (zstd-jni and Netty are in ~/.m2), with aircompressor 2.0.2 fetched:
 * ./mvnw -q dependency:get -Dartifact=io.airlift:aircompressor:2.0.2
 * java -cp "$(./mvnw -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout):$HOME/.m2/repository/io/airlift/aircompressor/2.0.2/aircompressor-2.0.2.jar" \
 *   bench/ZstdChoice.java
 */
public class ZstdChoice {

    public static void main(String[] args) {
        Random random = new Random(7);
        StringBuilder lines = new StringBuilder();
        for (int n = 0; n < 100; n++) {
            StringBuilder dump = new StringBuilder("{\"uid\":" + (9007199254740993L + n * 7919L) + ",\"traceId\":\""
                    + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())
                    + "\",\"scene\":\"home_feed\",\"candidates\":[");
            for (int i = 0; i < 20; i++) {
                dump.append("{\"id\":").append(1000000 + random.nextInt(8000000)).append(",\"score\":")
                    .append(random.nextDouble()).append(",\"features\":{\"ctr\":").append(random.nextInt(1000) / 10000.0)
                    .append(",\"cvr\":").append(random.nextInt(1000) / 100000.0).append(",\"age_days\":")
                    .append(random.nextInt(30)).append("}},");
            }
            dump.setLength(dump.length() - 1);
            lines.append(dump).append("]}\n");
        }
        byte[] plain = lines.toString().getBytes(StandardCharsets.UTF_8);
        byte[] frame = Zstd.compress(plain, 3);
        System.out.printf("body: %d bytes, zstd level 3: %d bytes (%.1fx)%n", plain.length, frame.length,
                (double) plain.length / frame.length);
        ZstdDecompressor airlift = new ZstdDecompressor();
        byte[] out = new byte[plain.length];
        check(Arrays.equals(Arrays.copyOf(viaNetty(frame), size), plain) && airlift.decompress(frame, 0, frame.length, out, 0, out.length)
                == plain.length && Arrays.equals(out, plain));
        for (int round = 0; round < 15; round++) {
            viaNettyRound(frame);
            airliftRound(airlift, frame, out);
        }
        long[] netty = new long[15];
        long[] air = new long[15];
        for (int round = 0; round < 15; round++) {
            netty[round] = viaNettyRound(frame);
            air[round] = airliftRound(airlift, frame, out);
        }
        Arrays.sort(netty);
        Arrays.sort(air);
        System.out.printf("zstd-jni through Netty's streaming ZstdDecompressor: %,d ns a body, %.0f ns a dump%n",
                netty[7], netty[7] / 100.0);
        System.out.printf("aircompressor 2.0.2 ZstdDecompressor, whole frame: %,d ns a body, %.0f ns a dump%n", air[7],
                air[7] / 100.0);
    }

    private static long viaNettyRound(byte[] frame) {
        long start = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < 2000; i++) {
            sum += viaNetty(frame).length;
        }
        check(sum > 0);
        return (System.nanoTime() - start) / 2000;
    }

    private static long airliftRound(ZstdDecompressor decompressor, byte[] frame, byte[] out) {
        long start = System.nanoTime();
        long sum = 0;
        for (int i = 0; i < 2000; i++) {
            sum += decompressor.decompress(frame, 0, frame.length, out, 0, out.length);
        }
        check(sum > 0);
        return (System.nanoTime() - start) / 2000;
    }

    /** As ingest decompresses a body: pieces in, buffers out, copied into one array. */
    private static byte[] viaNetty(byte[] frame) {
        byte[] body = new byte[0];
        try (Decompressor decompressor = io.netty.handler.codec.compression.ZstdDecompressor.builder()
            .build(ByteBufAllocator.DEFAULT)) {
            for (int from = 0; from < frame.length; from += 16 * 1024) {
                check(decompressor.status() == Decompressor.Status.NEED_INPUT);
                decompressor.addInput(Unpooled.wrappedBuffer(frame, from, Math.min(16 * 1024, frame.length - from)));
                body = drain(decompressor, body);
            }
            if (decompressor.status() == Decompressor.Status.NEED_INPUT) {
                decompressor.endOfInput();
            }
            body = drain(decompressor, body);
        }
        return body;
    }

    private static int size;

    /** As ingest keeps a body: into an array that doubles as it fills. */
    private static byte[] drain(Decompressor decompressor, byte[] body) {
        if (body.length == 0) {
            size = 0;
        }
        while (decompressor.status() == Decompressor.Status.NEED_OUTPUT) {
            ByteBuf output = decompressor.takeOutput();
            int length = output.readableBytes();
            if (size + length > body.length) {
                body = Arrays.copyOf(body, Math.max(size + length, 2 * body.length));
            }
            output.readBytes(body, size, length);
            size += length;
            output.release();
        }
        return body;
    }

    private static void check(boolean condition) {
        if (!condition) {
            throw new IllegalStateException("decompressed bytes differ");
        }
    }

}
