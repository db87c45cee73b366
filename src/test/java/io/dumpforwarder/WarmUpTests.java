package io.dumpforwarder;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The warm-up before readiness runs the callers' path on the service's own port, and
 * leaves nothing behind: none of its dumps reaches the collector or is counted, and its
 * marker opens no side door once it is over.
 */
class WarmUpTests extends AbstractServiceTests {

    @Test
    void theWarmUpsDumpsReachNoCollectorAndAreCountedNowhere() {
        assertThat(this.meters.received("accepted")).isZero();
        assertThat(this.meters.forwarded("success")).isZero();
        assertThat(collector.requestCount()).isZero();
    }

    @Test
    void aRequestCarryingTheWarmUpHeaderAfterwardsIsAnOrdinaryRequest() {
        long accepted = this.meters.received("accepted");

        this.ingest.post()
            .uri("/v1/dumps")
            .header("x-dump-forwarder-warm-up", "guessed")
            .header("Content-Type", "application/json")
            .bodyValue(dump(1))
            .exchange()
            .expectStatus()
            .isAccepted();

        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(this.meters.received("accepted")).isEqualTo(accepted + 1);
    }

}
