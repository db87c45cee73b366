package io.dumpforwarder;

import java.io.IOException;
import java.util.Map;

import io.dumpforwarder.support.RawConnection;
import io.dumpforwarder.support.SecretVolume;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The tokens file changed under the running service as Kubernetes changes a mounted
 * Secret (the files written to a new directory, the {@code ..data} link swapped to it,
 * the old directory removed): a new token works and a removed one is refused within
 * seconds, a keep-alive connection opened before stays open and works with the new
 * tokens, and a file that cannot be used leaves the last good tokens in use.
 */
@TestPropertySource(properties = "forwarder.ingest.auth.enabled=true")
class TokensRotationTests extends AbstractServiceTests {

    private static final String OLD = "token-before-rotation-01";

    private static final String NEW = "token-after-rotation-002";

    private static final String NEW_CALLER = "token-of-a-new-caller-03";

    private static SecretVolume volume;

    @DynamicPropertySource
    static void mountedSecret(DynamicPropertyRegistry registry) throws IOException {
        volume = new SecretVolume(Map.of("tokens", "ci:" + OLD + "\n"));
        registry.add("forwarder.ingest.auth.tokens-file", () -> volume.file("tokens").toString());
    }

    @BeforeEach
    void oldTokenInUse() throws IOException {
        update("ci:" + OLD + "\n");
        await().atMost(WAIT).until(() -> status(OLD) == 202);
        post(NEW).expectStatus().isUnauthorized();
    }

    @Test
    void aNewTokenWorksAndARemovedOneIsRefusedWithinSecondsOfTheSwap() throws IOException {
        double reloaded = reloads("reloaded");

        update("# rotated\nci:" + NEW + "\n");

        await().atMost(WAIT).until(() -> status(NEW) == 202);
        post(OLD).expectStatus().isUnauthorized();
        assertThat(reloads("reloaded")).isEqualTo(reloaded + 1);
    }

    @Test
    void aKeepAliveConnectionOpenedBeforeTheSwapStaysOpenAndUsesTheNewTokens() throws IOException {
        try (RawConnection connection = new RawConnection(this.port)) {
            assertThat(connection.send(request(OLD)).readStatusLines(1)[0]).startsWith("HTTP/1.1 202");

            update("ci:" + NEW + "\n");
            await().atMost(WAIT).until(() -> status(NEW) == 202);

            assertThat(connection.send(request(NEW)).readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
            assertThat(connection.send(request(OLD)).readStatusLines(1)[0]).startsWith("HTTP/1.1 401");
            assertThat(connection.send(request(NEW)).readStatusLines(1)[0]).startsWith("HTTP/1.1 202");
        }
    }

    @Test
    void aCallerNamedOnlyAfterStartUpCountsAsOther() throws IOException {
        update("ci:" + NEW + "\nnewcomer:" + NEW_CALLER + "\n");
        await().atMost(WAIT).until(() -> status(NEW) == 202);
        double ci = accepted("ci");
        double other = accepted("other");

        post(NEW_CALLER).expectStatus().isAccepted();
        post(NEW).expectStatus().isAccepted();

        assertThat(accepted("other")).isEqualTo(other + 1);
        assertThat(accepted("ci")).isEqualTo(ci + 1);
        assertThat(this.registry.find("dumps.received").tag("caller", "newcomer").counter()).isNull();
    }

    @Test
    void aFileThatCannotBeUsedKeepsTheLastGoodTokensAndCountsEachChangeOnce() throws IOException {
        double failed = reloads("failed");

        update("# emptied\n");
        await().atMost(WAIT).until(() -> reloads("failed") == failed + 1);
        post(OLD).expectStatus().isAccepted();

        update("ci:short\n");
        await().atMost(WAIT).until(() -> reloads("failed") == failed + 2);
        post(OLD).expectStatus().isAccepted();

        update(null);
        await().atMost(WAIT).until(() -> reloads("failed") == failed + 3);
        post(OLD).expectStatus().isAccepted();

        update("ci:" + NEW + "\n");
        await().atMost(WAIT).until(() -> status(NEW) == 202);
        post(OLD).expectStatus().isUnauthorized();
        assertThat(reloads("failed")).isEqualTo(failed + 3);
    }

    private static void update(String tokens) throws IOException {
        volume.update((tokens != null) ? Map.of("tokens", tokens) : Map.of());
    }

    private static String request(String token) {
        String dump = dump(1);
        return "POST /v1/dumps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + dump.length() + "\r\n\r\n" + dump;
    }

    private WebTestClient.ResponseSpec post(String token) {
        return this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
            .bodyValue(dump(1))
            .exchange();
    }

    /** The status of a post with this token, which the wait polls. */
    private int status(String token) {
        return post(token).expectBody().returnResult().getStatus().value();
    }

    private double reloads(String result) {
        return this.meters.count("dumps.ingest.tokens.reloads", "result", result);
    }

    private double accepted(String caller) {
        return this.meters.count("dumps.received", "caller", caller, "outcome", "accepted");
    }

}
