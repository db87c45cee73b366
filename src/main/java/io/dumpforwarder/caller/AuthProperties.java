package io.dumpforwarder.caller;

import java.nio.file.Path;
import java.util.List;

import jakarta.validation.constraints.AssertTrue;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Bearer-token authentication of callers ({@code forwarder.ingest.auth.*}).
 *
 * @param enabled require {@code Authorization: Bearer <token>} on the ingest API
 * @param tokens accepted tokens (e.g. from FORWARDER_INGEST_AUTH_TOKENS=a,b); an entry
 * {@code name:token} names the caller it identifies, a bare token is caller
 * {@code default}
 * @param tokensFile a file of accepted tokens, one per line (e.g. a mounted Kubernetes
 * Secret), each {@code name:token} or bare; read again within a second or two of a
 * change, a change that leaves it unusable keeping the last good tokens
 */
@Validated
@ConfigurationProperties("forwarder.ingest.auth")
// @formatter:off
public record AuthProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue List<String> tokens,
        Path tokensFile) {
    // @formatter:on

    @AssertTrue(message = "forwarder.ingest.auth.enabled needs forwarder.ingest.auth.tokens "
            + "or forwarder.ingest.auth.tokens-file")
    boolean isTokenSourceGiven() {
        return !this.enabled || !this.tokens.isEmpty() || this.tokensFile != null;
    }

}
