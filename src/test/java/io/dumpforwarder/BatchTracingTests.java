package io.dumpforwarder;

import io.dumpforwarder.support.OtlpReceiver.Received;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import org.junit.jupiter.api.Test;

import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing on with batching: a batch's span continues the trace of its sampled dump and
 * links every dump it carries, each to the span of the request that brought it.
 */
@TestPropertySource(properties = { "forwarder.batch.enabled=true", "forwarder.batch.max-dumps=2",
        "forwarder.batch.max-wait=5s", AbstractServiceTests.BREAKER_NEVER_OPENS })
class BatchTracingTests extends AbstractTracingTests {

    @Test
    void aBatchSpanLinksTheSpanOfEveryRequestItCarries() {
        String untraced = "0000000000000000000000000000000a";
        post(untraced, "X-Trace-Id", "plain-caller");
        String sampled = "3af7651916cd43dd8448eb211c80319c";
        post(sampled, "traceparent", "00-" + sampled + "-b7ad6b7169203331-01");

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        Received ingest = awaitSpan(sampled, SpanKind.SPAN_KIND_SERVER);
        Received batch = awaitSpan(sampled, SpanKind.SPAN_KIND_CLIENT);
        assertThat(batch.parentSpanId()).isEqualTo(ingest.spanId());
        assertThat(batch.attribute("dump.count")).isEqualTo("2");
        assertThat(batch.linkedSpans()).hasSize(2).contains(sampled + "-" + ingest.spanId());
        assertThat(batch.linkedSpans()).filteredOn((link) -> !link.startsWith(sampled)).hasSize(1);
        assertThat(collector.requests().get(0).headers().get("traceparent"))
            .isEqualTo("00-" + sampled + "-" + batch.spanId() + "-01");
    }

    private void post(String uid, String header, String value) {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header(header, value)
            .bodyValue("{\"uid\":\"" + uid + "\"}")
            .exchange()
            .expectStatus()
            .isAccepted();
    }

}
