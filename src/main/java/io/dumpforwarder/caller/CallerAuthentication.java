package io.dumpforwarder.caller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Optional bearer-token authentication of callers, which also names them: an entry
 * {@code name:token} identifies caller {@code name}, a bare token caller {@code default}.
 * Tokens are kept as SHA-256 digests and every one of them is compared in constant time,
 * so neither the time taken nor the answer tells a caller how close it was. The tokens of
 * the file may be replaced while the service runs; the callers they name stay those of
 * start-up.
 */
final class CallerAuthentication {

    /** Shortest token accepted in configuration: shorter ones could be guessed. */
    static final int MIN_TOKEN_LENGTH = 16;

    private static final String BEARER = "Bearer ";

    private static final Pattern NAMED = Pattern.compile("(" + CallersProperties.CALLER_NAME + "):(.+)");

    /** The entries of {@code forwarder.ingest.auth.tokens}, which never change. */
    private final List<String> configured;

    /**
     * The caller each token named at start-up, in order: the only names the meters know.
     */
    private final List<String> names;

    private volatile Accepted accepted;

    /**
     * Accepts the configured entries and those of the tokens file; fails when a token is
     * too short or there is none.
     */
    CallerAuthentication(List<String> configured, List<String> fromFile) {
        this.configured = List.copyOf(configured);
        this.accepted = accept(fromFile, null);
        this.names = List.of(this.accepted.names());
        if (this.names.isEmpty()) {
            throw new IllegalStateException("forwarder.ingest.auth.enabled is true but no token is configured");
        }
    }

    /**
     * Accepts these entries of the tokens file from now on, in place of the file's
     * earlier ones. A name unknown at start-up names caller {@code other}, so a file
     * cannot grow the meters' labels.
     * @throws IllegalStateException when a token is too short; the tokens stay as they
     * were
     */
    void useFileTokens(List<String> fromFile) {
        this.accepted = accept(fromFile, this.names);
    }

    /** Every caller a token named at start-up. */
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
        Accepted accepted = this.accepted;
        String caller = null;
        for (int i = 0; i < accepted.digests().length; i++) {
            if (MessageDigest.isEqual(accepted.digests()[i], presented) && caller == null) {
                caller = accepted.names()[i];
            }
        }
        return bearer ? caller : null;
    }

    /** The configured entries and these, with only {@code known} names (null: any). */
    private Accepted accept(List<String> fromFile, List<String> known) {
        List<String> entries = new ArrayList<>(this.configured);
        entries.addAll(fromFile);
        byte[][] digests = new byte[entries.size()][];
        String[] names = new String[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            Matcher named = NAMED.matcher(entries.get(i).strip());
            String token = named.matches() ? named.group(2) : entries.get(i).strip();
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalStateException(
                        "forwarder.ingest.auth: every token needs at least " + MIN_TOKEN_LENGTH + " characters");
            }
            String name = named.matches() ? named.group(1) : Callers.DEFAULT;
            digests[i] = digest(token);
            names[i] = (known == null || known.contains(name) || name.equals(Callers.DEFAULT)) ? name : Callers.OTHER;
        }
        return new Accepted(digests, names);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is part of every JVM", ex);
        }
    }

    /** The tokens accepted at one time: their digests and the caller each names. */
    private record Accepted(byte[][] digests, String[] names) {
    }

}
