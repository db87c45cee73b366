package io.dumpforwarder;

import io.dumpforwarder.support.OtlpReceiver.Received;
import io.dumpforwarder.support.TestCollector;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing on, one dump per request: a real OTLP receiver gets the service's spans, the
 * test collector the {@code traceparent} of each forward, and failure log lines carry the
 * span's ids.
 */
@TestPropertySource(properties = { "forwarder.retry.enabled=false", AbstractServiceTests.BREAKER_NEVER_OPENS })
@ExtendWith(OutputCaptureExtension.class)
class TracingTests extends AbstractTracingTests {

    @Test
    void aSampledCallersTraceGoesOnThroughIngestAndForwardToTheCollector() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        post("00-" + traceId + "-00f067aa0ba902b7-01");

        Received ingest = awaitSpan(traceId, SpanKind.SPAN_KIND_SERVER);
        Received forward = awaitSpan(traceId, SpanKind.SPAN_KIND_CLIENT);
        assertThat(ingest.service()).isEqualTo("dump-forwarder");
        assertThat(ingest.parentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(ingest.span().getName()).isEqualTo("POST /v1/dumps");
        assertThat(ingest.attribute("http.response.status_code")).isEqualTo("202");
        assertThat(ingest.attribute("dump.outcome")).isEqualTo("accepted");
        assertThat(forward.parentSpanId()).isEqualTo(ingest.spanId());
        assertThat(forward.attribute("dump.outcome")).isEqualTo("success");
        assertThat(forward.attribute("dump.attempt")).isEqualTo("1");
        assertThat(forward.attribute("http.response.status_code")).isEqualTo("204");
        assertThat(forward.span().getStatus().getCode()).isNotEqualTo(StatusCode.STATUS_CODE_ERROR);

        TestCollector.Request request = collector.requests().get(0);
        assertThat(request.headers().get("traceparent")).isEqualTo("00-" + traceId + "-" + forward.spanId() + "-01");
        assertThat(request.headers().get("X-Trace-Id")).isEqualTo(traceId);
        assertThat(request.body()).asString().doesNotContain("traceparent");
    }

    @Test
    void anUnsampledCallersTraceIsPropagatedButNotExported() {
        String unsampled = "0af7651916cd43dd8448eb211c80319c";
        post("00-" + unsampled + "-b7ad6b7169203331-00");
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).headers().get("traceparent")).startsWith("00-" + unsampled + "-")
            .endsWith("-00");

        // Spans are exported in the order they end: once a later sampled trace is in, the
        // unsampled one would be too, had it been recorded.
        String sampled = "1af7651916cd43dd8448eb211c80319c";
        post("00-" + sampled + "-b7ad6b7169203331-01");
        awaitSpan(sampled, SpanKind.SPAN_KIND_CLIENT);
        assertThat(receiver.spans()).extracting(Received::traceId).doesNotContain(unsampled);
    }

    @Test
    void aFailedForwardIsAnErrorSpanAndItsLogLineCarriesTheTraceAndSpanIds(CapturedOutput output) {
        collector.answer(400);
        String traceId = "2af7651916cd43dd8448eb211c80319c";
        post("00-" + traceId + "-b7ad6b7169203331-01");

        Received ingest = awaitSpan(traceId, SpanKind.SPAN_KIND_SERVER);
        Received forward = awaitSpan(traceId, SpanKind.SPAN_KIND_CLIENT);
        assertThat(forward.span().getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
        assertThat(forward.span().getStatus().getMessage()).isEqualTo("http_4xx");
        assertThat(forward.attribute("http.response.status_code")).isEqualTo("400");
        await().atMost(WAIT)
            .untilAsserted(() -> assertThat(output.getOut().lines().filter((line) -> line.contains(traceId)))
                .anySatisfy((line) -> assertThat(line).contains("Dump not forwarded: http_4xx")
                    .contains("\"traceId\":\"" + traceId + "\"", "\"spanId\":\"" + ingest.spanId() + "\"")));
    }

    @Test
    void aCallerWithoutTraceparentKeepsItsTraceIdInHeadersAndLogs(CapturedOutput output) {
        collector.answer(400);
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("X-Trace-Id", "caller-trace-7")
            .bodyValue(dump(7))
            .exchange()
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).headers().get("X-Trace-Id")).isEqualTo("caller-trace-7");
        await().atMost(WAIT)
            .untilAsserted(() -> assertThat(output.getOut().lines().filter((line) -> line.contains("caller-trace-7")))
                .anySatisfy((line) -> assertThat(line).contains("\"traceId\":\"caller-trace-7\"")
                    .doesNotContain("spanId")));
    }

    private void post(String traceparent) {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("traceparent", traceparent)
            .bodyValue(dump(1))
            .exchange()
            .expectStatus()
            .isAccepted();
    }

}
