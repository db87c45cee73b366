package io.dumpforwarder.config;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * The bounds the settings set on the heap: the bytes of dumps held (waiting or being
 * forwarded; bodies sent to the collector are views over them, or gzip copies no larger)
 * and of bodies being received, each of which may briefly exist twice (the body and the
 * dumps cut from it). Checked at start-up: the body budget holds the largest body, and
 * the bounds together fit in {@link #HEAP_SHARE} of the JVM's heap; a refusal names the
 * keys and says what would fit.
 */
@Component
public class MemoryBounds {

    /**
     * Share of the JVM's heap that the bounds on bodies and dumps may take together; the
     * rest is the service's own working memory (framework, metrics, parsing, garbage
     * between collections).
     */
    public static final double HEAP_SHARE = 0.8;

    private static final long MB = 1024 * 1024;

    private final long queueBytes;

    private final boolean gzip;

    private final long bodyBytes;

    private final long largestBody;

    public MemoryBounds(ForwarderProperties forwarder, IngestProperties ingest, QueueProperties queue) {
        this.queueBytes = queue.maxBytes().toBytes();
        this.gzip = forwarder.compression() == ForwarderProperties.Compression.GZIP;
        this.largestBody = forwarder.maxRequestSize().toBytes();
        long heap = Runtime.getRuntime().maxMemory();
        DataSize set = ingest.maxInflightBytes();
        // Unset: an eighth of the heap, but never less than one body of the largest size
        // accepted.
        this.bodyBytes = (set != null) ? set.toBytes() : Math.max(heap / 8, this.largestBody);
        if (this.bodyBytes < this.largestBody) {
            throw new InvalidConfigurationPropertyValueException("forwarder.ingest.max-inflight-bytes", set,
                    "forwarder.ingest.max-inflight-bytes must be at least forwarder.max-request-size, "
                            + "or a body of the largest accepted size would be refused for ever");
        }
        if (boundedBytes() > HEAP_SHARE * heap) {
            throw new InvalidConfigurationPropertyValueException("forwarder.queue.max-bytes", queue.maxBytes(),
                    refusal(heap));
        }
    }

    /**
     * Bytes of request bodies being received and held at once
     * ({@code forwarder.ingest.max-inflight-bytes}, or its default).
     */
    public long bodyBytes() {
        return this.bodyBytes;
    }

    /** The most heap the bounds let bodies and dumps take at once. */
    public long boundedBytes() {
        return this.queueBytes * (this.gzip ? 2 : 1) + 2 * this.bodyBytes;
    }

    private String refusal(long heap) {
        boolean gzip = this.gzip;
        long held = this.queueBytes * (gzip ? 2 : 1);
        long inflight = this.bodyBytes;
        long largestBody = this.largestBody;
        long room = (long) (HEAP_SHARE * heap);
        StringBuilder refusal = new StringBuilder("forwarder.queue.max-bytes (").append(mb(this.queueBytes))
            .append(gzip ? ", counted twice with forwarder.compression=gzip" : "")
            .append(") plus twice forwarder.ingest.max-inflight-bytes (")
            .append(mb(inflight))
            .append(") come to ")
            .append(mb(boundedBytes()))
            .append(", more than 80% of the JVM's heap of ")
            .append(mb(heap))
            .append(" (")
            .append(mb(room))
            .append("). What would fit: ");
        long largestQueue = (room - 2 * inflight) / (gzip ? 2 : 1);
        if (largestQueue >= MB) {
            refusal.append("forwarder.queue.max-bytes of at most ")
                .append(largestQueue / MB)
                .append("MB")
                .append("; or ");
        }
        // Unset, max-inflight-bytes is an eighth of the heap (at least the largest body):
        // a larger heap raises it too.
        boolean defaulted = inflight == Math.max(heap / 8, largestBody);
        double needed = defaulted ? Math.max((held + 2.0 * largestBody) / HEAP_SHARE, held / (HEAP_SHARE - 0.25))
                : (held + 2.0 * inflight) / HEAP_SHARE;
        // The JVM reports the -Xmx it was given less what its collector keeps aside (a
        // survivor space): scale by that share, and 2% more, as the share may be a little
        // smaller at a larger heap.
        double reported = heap / vmOption("MaxHeapSize", heap / 0.85);
        long neededMb = (long) Math.ceil(1.02 * needed / reported / MB);
        refusal.append("a heap of at least ").append(neededMb).append("MB (-Xmx").append(neededMb).append('m');
        double percentage = vmOption("MaxRAMPercentage", 25);
        return refusal.append(", or a container memory limit of at least ")
            .append((long) Math.ceil(neededMb * 100 / percentage))
            .append("Mi at this JVM's -XX:MaxRAMPercentage=")
            .append(Math.round(percentage))
            .append(')')
            .toString();
    }

    private static String mb(long bytes) {
        return (bytes + MB - 1) / MB + "MB";
    }

    private static double vmOption(String name, double otherwise) {
        try {
            return Double.parseDouble(
                    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue());
        }
        catch (RuntimeException ex) {
            return otherwise;
        }
    }

}
