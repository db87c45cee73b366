package io.dumpforwarder;

import java.time.Duration;

import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The dump URL goes on the wire as written: an encoded path, a query with encoded spaces
 * (ClickHouse's {@code INSERT%20INTO ...}), a {@code +}, {@code %2F}, UTF-8 escapes and a
 * signed-URL-shaped query reach the collector byte for byte (before: every {@code %}
 * became {@code %25}, so nothing arrived); a URL that is not valid stops the start,
 * naming the key.
 */
class DumpUrlTests {

    private static final TestCollector collector = new TestCollector();

    private static final String TARGET = "/ingest%2Fv1/caf%C3%A9?query=INSERT%20INTO%20dumps%20FORMAT%20JSONEachRow"
            + "&plus=a+b&X-Amz-Credential=AKIA%2F20261206%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=ab%3D%3D";

    @AfterAll
    static void stopCollector() {
        collector.close();
    }

    @Test
    void theCollectorReceivesTheUrlAsWritten() {
        String url = collector.url().replaceFirst("(http://[^/]+).*", "$1") + TARGET;
        try (RunningApp app = RunningApp.start("--forwarder.dump-url=" + url)) {
            app.postJson("{\"uid\":1,\"traceId\":\"url\"}").expectStatus().isAccepted();
            await().atMost(Duration.ofSeconds(10)).until(() -> !collector.requests().isEmpty());
        }
        assertThat(collector.requests()).singleElement()
            .satisfies((request) -> assertThat(request.target()).isEqualTo(TARGET));
    }

    @Test
    void aDumpUrlThatIsNotAValidUriStopsTheStartNamingTheKey() {
        assertThatThrownBy(() -> RunningApp.start("--forwarder.dump-url=http://127.0.0.1:1/a b%zz"))
            .hasStackTraceContaining("Failed to bind properties under 'forwarder.dump-url'");
    }

}
