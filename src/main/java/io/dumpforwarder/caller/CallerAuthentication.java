package io.dumpforwarder.caller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dumpforwarder.config.ForwarderProperties;

/**
 * Optional bearer-token authentication of callers, which also names them: an entry
 * {@code name:token} identifies caller {@code name}, a bare token caller {@code default}.
 * Tokens are kept as SHA-256 digests and every one of them is compared in constant time,
 * so neither the time taken nor the answer tells a caller how close it was.
 */
final class CallerAuthentication {

    /** Shortest token accepted in configuration: shorter ones could be guessed. */
    static final int MIN_TOKEN_LENGTH = 16;

    private static final String BEARER = "Bearer ";

    private static final Pattern NAMED = Pattern.compile("(" + ForwarderProperties.Callers.CALLER_NAME + "):(.+)");

    private final List<byte[]> digests = new ArrayList<>();

    /** The caller each digest names, in the same order. */
    private final List<String> names = new ArrayList<>();

    CallerAuthentication(ForwarderProperties.Auth auth) {
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
        for (String entry : tokens) {
            Matcher named = NAMED.matcher(entry.strip());
            String token = named.matches() ? named.group(2) : entry.strip();
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalStateException(
                        "forwarder.ingest.auth: every token needs at least " + MIN_TOKEN_LENGTH + " characters");
            }
            this.digests.add(digest(token));
            this.names.add(named.matches() ? named.group(1) : Callers.DEFAULT);
        }
        if (this.digests.isEmpty()) {
            throw new IllegalStateException("forwarder.ingest.auth.enabled is true but no token is configured");
        }
    }

    /** Every caller a token names. */
    List<String> names() {
        return this.names;
    }

    /**
     * The caller the request's {@code Authorization} header ({@code null} if absent)
     * names, or {@code null} when it may not pass.
     */
    String caller(String authorization) {
        boolean bearer = authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length());
        byte[] presented = digest(bearer ? authorization.substring(BEARER.length()).strip() : "");
        String caller = null;
        for (int i = 0; i < this.digests.size(); i++) {
            if (MessageDigest.isEqual(this.digests.get(i), presented) && caller == null) {
                caller = this.names.get(i);
            }
        }
        return bearer ? caller : null;
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
