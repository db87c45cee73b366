package io.dumpforwarder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With authentication on, only a configured bearer token gets a dump in; every refusal
 * looks the same.
 */
@TestPropertySource(properties = { "forwarder.ingest.auth.enabled=true",
        "forwarder.ingest.auth.tokens=token-from-environment-0001" })
class IngestAuthTests extends AbstractServiceTests {

    @DynamicPropertySource
    static void tokensFile(DynamicPropertyRegistry registry) throws IOException {
        Path file = Files.createTempFile("tokens", ".txt");
        file.toFile().deleteOnExit();
        Files.writeString(file, "# rotated 2026-11\n\ntoken-from-secret-file-0002\n");
        registry.add("forwarder.ingest.auth.tokens-file", file::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = { "Bearer token-from-environment-0001", "Bearer token-from-secret-file-0002",
            "bearer token-from-secret-file-0002" })
    void acceptsAConfiguredToken(String authorization) {
        post(authorization).expectStatus().isAccepted();
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.requests().get(0).headers().contains(HttpHeaders.AUTHORIZATION)).isFalse();
    }

    static Stream<Arguments> refused() {
        return Stream.of(Arguments.of((String) null), Arguments.of("Bearer wrong-token-000000000"),
                Arguments.of("Bearer token-from-environment-000"), Arguments.of("Basic dG9rZW4="),
                Arguments.of("token-from-environment-0001"), Arguments.of("Bearer "));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusesEveryOtherCallerAlikeAndCountsIt(String authorization) {
        long unauthorized = this.meters.received("unauthorized");

        post(authorization).expectStatus()
            .isUnauthorized()
            .expectHeader()
            .valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody()
            .jsonPath("$.detail")
            .isEqualTo("a valid bearer token is required")
            .jsonPath("$.outcome")
            .isEqualTo("unauthorized");

        assertThat(this.meters.received("unauthorized")).isEqualTo(unauthorized + 1);
        awaitIdle();
        assertThat(collector.requestCount()).isZero();
    }

    private WebTestClient.ResponseSpec post(String authorization) {
        WebTestClient.RequestBodySpec request = this.ingest.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON);
        if (authorization != null) {
            request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        return request.bodyValue(dump(1)).exchange();
    }

}
