package io.dumpforwarder;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A credential rotation seen from a real collector: it answers 401 to every forward for a
 * while, then takes them. The rejections open the breaker (they say nothing good about
 * the collector), the forwards are held like in an outage, and once the collector takes
 * them again, callers sending on, every dump is delivered: none is lost, none counted
 * refused.
 */
@TestPropertySource(properties = { "resilience4j.circuitbreaker.instances.dump.wait-duration-in-open-state=1s",
        "resilience4j.circuitbreaker.instances.dump.permitted-number-of-calls-in-half-open-state=2",
        "forwarder.retry.initial-backoff=20ms", "forwarder.retry.max-backoff=100ms" })
class CollectorRejectionTests extends AbstractServiceTests {

    @Test
    void aCollectorRejectingTheForwarderForAWhileLosesNoDump() {
        closeBreaker();
        collector.answer(401);
        for (int uid = 0; uid < 40; uid++) {
            accept(dump(uid));
        }
        await().atMost(WAIT).until(() -> breaker().getState() == CircuitBreaker.State.OPEN);
        assertThat(this.meters.count("dumps.forward.attempts", "outcome", "rejected")).isGreaterThanOrEqualTo(20);

        collector.answer(204);
        // Callers go on sending: their first attempts give the retry budget room.
        for (int uid = 40; uid < 80; uid++) {
            accept(dump(uid));
        }

        await().atMost(WAIT.multipliedBy(2)).until(() -> this.meters.forwarded("success") == 80);
        assertThat(this.meters.forwardedTotal()).isEqualTo(80);
        assertThat(this.meters.forwarded("rejected")).isZero();
        assertThat(this.meters.forwarded("http_4xx")).isZero();
    }

}
