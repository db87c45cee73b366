package io.dumpforwarder;

import java.time.Duration;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Who is calling: the header names a configured caller, any other value is {@code other}
 * and none {@code unknown}, so the {@code caller} label never takes a value the settings
 * do not name; a bearer token names its caller; a caller over its rate quota is refused
 * 429 with the Retry-After of its own bucket, the others go on.
 */
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = { "forwarder.ingest.callers.names=search,feed",
        "forwarder.ingest.callers.rates.feed.rate=1", "forwarder.ingest.callers.rates.feed.burst=2",
        "forwarder.retry.enabled=false", AbstractServiceTests.BREAKER_NEVER_OPENS })
class CallerIdentityTests extends AbstractServiceTests {

    @Test
    void theHeaderNamesAConfiguredCallerElseOtherElseUnknown() {
        double search = accepted(this.meters, "search");
        double other = accepted(this.meters, "other");
        double unknown = accepted(this.meters, "unknown");

        post("search", "{\"uid\":1}").expectStatus().isAccepted();
        post("someone-else", "{\"uid\":2}").expectStatus().isAccepted();
        post(null, "{\"uid\":3}").expectStatus().isAccepted();

        assertThat(accepted(this.meters, "search")).isEqualTo(search + 1);
        assertThat(accepted(this.meters, "other")).isEqualTo(other + 1);
        assertThat(accepted(this.meters, "unknown")).isEqualTo(unknown + 1);
        assertThat(this.registry.find("dumps.received").tag("caller", "someone-else").counters()).isEmpty();
        assertThat(this.registry.find("dumps.received").counters())
            .extracting((counter) -> counter.getId().getTag("caller"))
            .containsOnly("search", "feed", "default", "other", "unknown");
    }

    @Test
    void aFailedForwardIsLoggedWithItsCaller(CapturedOutput output) {
        collector.answer(500);

        post("search", "{\"uid\":\"logged\"}").expectStatus().isAccepted();

        await().atMost(WAIT)
            .until(() -> output.getOut()
                .lines()
                .anyMatch((line) -> line.contains("Dump not forwarded") && line.contains("\"caller\":\"search\"")));
    }

    @Test
    void aCallerOverItsRateQuotaIsRefused429WithItsBucketsRetryAfterAndTheOthersGoOn() {
        double limited = this.meters.count("dumps.received", "caller", "feed", "outcome", "caller_rate_limited");
        // The burst (2) may be partly spent by an earlier test of this class: post until
        // refused.
        EntityExchangeResult<String> refused = null;
        for (int i = 0; i < 4 && refused == null; i++) {
            EntityExchangeResult<String> answer = post("feed", "{\"uid\":" + i + "}").expectBody(String.class)
                .returnResult();
            refused = (answer.getStatus().value() == 429) ? answer : null;
        }

        assertThat(refused).isNotNull();
        assertThat(refused.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        assertThat(refused.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(refused.getResponseBody()).contains("\"outcome\":\"caller_rate_limited\"");
        assertThat(this.meters.count("dumps.received", "caller", "feed", "outcome", "caller_rate_limited"))
            .isEqualTo(limited + 1);
        post("search", "{\"uid\":\"unlimited\"}").expectStatus().isAccepted();
        // A second later the bucket holds a token again.
        await().atMost(WAIT)
            .pollInterval(Duration.ofMillis(200))
            .until(() -> post("feed", "{\"uid\":\"later\"}").returnResult(String.class).getStatus().value() == 202);
    }

    @Test
    void moreDumpsInOneRequestThanTheBurstAreRefusedWithoutRetryAfter() {
        this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.parseMediaType("application/x-ndjson"))
            .header("X-Caller", "feed")
            .bodyValue("{\"uid\":1}\n{\"uid\":2}\n{\"uid\":3}\n")
            .exchange()
            .expectStatus()
            .isEqualTo(429)
            .expectHeader()
            .doesNotExist(HttpHeaders.RETRY_AFTER)
            .expectBody()
            .jsonPath("$.detail")
            .value((detail) -> assertThat((String) detail).contains("forwarder.ingest.callers.rates.feed.burst"));
    }

    @Test
    void aBearerTokenNamesItsCallerAndABareOneIsTheDefault() {
        try (RunningApp app = RunningApp.start("--forwarder.dump-url=" + collector.url(),
                "--forwarder.ingest.auth.enabled=true",
                "--forwarder.ingest.auth.tokens=search:search-token-0123456789,bare-token-0123456789")) {
            Meters meters = app.meters();
            withToken(app, "search-token-0123456789").header("X-Caller", "feed")
                .bodyValue("{\"uid\":1}")
                .exchange()
                .expectStatus()
                .isAccepted();
            withToken(app, "bare-token-0123456789").bodyValue("{\"uid\":2}").exchange().expectStatus().isAccepted();
            withToken(app, "search-token-0123456789-not").bodyValue("{\"uid\":3}")
                .exchange()
                .expectStatus()
                .isUnauthorized();

            assertThat(accepted(meters, "search")).as("the token, not the header, names the caller").isEqualTo(1);
            assertThat(accepted(meters, "default")).isEqualTo(1);
            assertThat(meters.count("dumps.received", "caller", "unknown", "outcome", "unauthorized")).isEqualTo(1);
        }
    }

    private static WebTestClient.RequestBodySpec withToken(RunningApp app, String token) {
        return app.ingest()
            .post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
    }

    private static double accepted(Meters meters, String caller) {
        return meters.count("dumps.received", "caller", caller, "outcome", "accepted");
    }

    private WebTestClient.ResponseSpec post(String caller, String body) {
        WebTestClient.RequestBodySpec request = this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON);
        if (caller != null) {
            request = request.header("X-Caller", caller);
        }
        return request.bodyValue(body).exchange();
    }

}
