package io.dumpforwarder.config;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * The bounds on bodies and dumps fit in {@link ForwarderProperties#HEAP_SHARE} of the
 * JVM's heap. A refusal says what would fit: the largest queue at this heap, and the heap
 * (and the container's memory limit at this JVM's {@code MaxRAMPercentage}) these sizes
 * need.
 */
@Target(java.lang.annotation.ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = WithinHeap.Check.class)
@interface WithinHeap {

    String message() default "forwarder.queue.max-bytes and forwarder.ingest.max-inflight-bytes must fit in 80% of "
            + "the JVM's heap";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    final class Check implements ConstraintValidator<WithinHeap, ForwarderProperties> {

        private static final long MB = 1024 * 1024;

        @Override
        public boolean isValid(ForwarderProperties properties, ConstraintValidatorContext context) {
            long heap = Runtime.getRuntime().maxMemory();
            if (properties.boundedBytes() <= ForwarderProperties.HEAP_SHARE * heap) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            context.buildConstraintViolationWithTemplate(refusal(properties, heap)).addConstraintViolation();
            return false;
        }

        static String refusal(ForwarderProperties properties, long heap) {
            boolean gzip = properties.compression() == ForwarderProperties.Compression.GZIP;
            long held = properties.queue().maxBytes().toBytes() * (gzip ? 2 : 1);
            long inflight = properties.ingest().maxInflightBytes().toBytes();
            long largestBody = properties.maxRequestSize().toBytes();
            long room = (long) (ForwarderProperties.HEAP_SHARE * heap);
            StringBuilder refusal = new StringBuilder("forwarder.queue.max-bytes (")
                .append(mb(properties.queue().maxBytes().toBytes()))
                .append(gzip ? ", counted twice with forwarder.compression=gzip" : "")
                .append(") plus twice forwarder.ingest.max-inflight-bytes (")
                .append(mb(inflight))
                .append(") come to ")
                .append(mb(properties.boundedBytes()))
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
            // Unset, max-inflight-bytes is an eighth of the heap (at least the largest
            // body): a larger heap raises it too.
            boolean defaulted = inflight == Math.max(heap / 8, largestBody);
            double needed = defaulted
                    ? Math.max((held + 2.0 * largestBody) / ForwarderProperties.HEAP_SHARE,
                            held / (ForwarderProperties.HEAP_SHARE - 0.25))
                    : (held + 2.0 * inflight) / ForwarderProperties.HEAP_SHARE;
            // The JVM reports the -Xmx it was given less what its collector keeps aside
            // (a survivor space): scale by that share, and 2% more, as the share may be a
            // little smaller at a larger heap.
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
                return Double.parseDouble(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption(name)
                    .getValue());
            }
            catch (RuntimeException ex) {
                return otherwise;
            }
        }

    }

}
