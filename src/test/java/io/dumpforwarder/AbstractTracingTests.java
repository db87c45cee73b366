package io.dumpforwarder;

import io.dumpforwarder.support.OtlpReceiver;
import io.dumpforwarder.support.OtlpReceiver.Received;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.awaitility.Awaitility.await;

/**
 * The service with tracing on, exporting its spans every 50 ms to a real OTLP receiver
 * shared by the tracing test classes (their tests tell their spans apart by trace id).
 */
@TestPropertySource(properties = { "management.tracing.export.enabled=true",
        "management.opentelemetry.tracing.export.schedule-delay=50ms" })
abstract class AbstractTracingTests extends AbstractServiceTests {

    /** Open for the whole run: the cached applications keep exporting to it. */
    static final OtlpReceiver receiver = new OtlpReceiver();

    @DynamicPropertySource
    static void exportToTheReceiver(DynamicPropertyRegistry registry) {
        registry.add("management.opentelemetry.tracing.export.otlp.endpoint", receiver::url);
    }

    /** The first span of this trace and kind the receiver gets. */
    static Received awaitSpan(String traceId, SpanKind kind) {
        return await().atMost(WAIT)
            .until(() -> receiver.spans()
                .stream()
                .filter((span) -> span.traceId().equals(traceId) && span.span().getKind() == kind)
                .findFirst()
                .orElse(null), (span) -> span != null);
    }

}
