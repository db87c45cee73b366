package io.dumpforwarder.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

import io.dumpforwarder.config.ForwarderProperties;

import org.springframework.stereotype.Component;

/**
 * Optional bearer-token authentication of callers. Tokens are kept as SHA-256 digests and
 * every one of them is compared in constant time, so neither the time taken nor the
 * answer tells a caller how close it was.
 */
@Component
class CallerAuthentication {

    /** Shortest token accepted in configuration: shorter ones could be guessed. */
    static final int MIN_TOKEN_LENGTH = 16;

    private static final String BEARER = "Bearer ";

    private final boolean enabled;

    private final List<byte[]> digests = new ArrayList<>();

    CallerAuthentication(ForwarderProperties properties) {
        ForwarderProperties.Auth auth = properties.ingest().auth();
        this.enabled = auth.enabled();
        if (!this.enabled) {
            return;
        }
        List<String> tokens = new ArrayList<>(auth.tokens());
        if (auth.tokensFile() != null) {
            try {
                Files.readAllLines(auth.tokensFile())
                    .stream()
                    .map(String::strip)
                    .filter((line) -> !line.isEmpty() && !line.startsWith("#"))
                    .forEach(tokens::add);
            }
            catch (IOException ex) {
                throw new UncheckedIOException("forwarder.ingest.auth.tokens-file cannot be read: " + auth.tokensFile(),
                        ex);
            }
        }
        for (String token : tokens) {
            if (token.strip().length() < MIN_TOKEN_LENGTH) {
                throw new IllegalStateException(
                        "forwarder.ingest.auth: every token needs at least " + MIN_TOKEN_LENGTH + " characters");
            }
            this.digests.add(digest(token.strip()));
        }
        if (this.digests.isEmpty()) {
            throw new IllegalStateException("forwarder.ingest.auth.enabled is true but no token is configured");
        }
    }

    /**
     * Whether the request may pass, given its {@code Authorization} header ({@code null}
     * if absent).
     */
    boolean permits(String authorization) {
        if (!this.enabled) {
            return true;
        }
        boolean bearer = authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length());
        byte[] presented = digest(bearer ? authorization.substring(BEARER.length()).strip() : "");
        boolean match = false;
        for (byte[] digest : this.digests) {
            match |= MessageDigest.isEqual(digest, presented);
        }
        return bearer && match;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is part of every JVM", ex);
        }
    }

}
