package io.dumpforwarder.dump;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Idempotency keys for accepted dumps: this process's random prefix and a sequence
 * number, unique across replicas and restarts without coordination; and the bound on
 * every key sent, the 255 characters a caller's own may have.
 */
public final class DumpKeys {

    /**
     * Longest {@code Idempotency-Key}, a caller's or one made of it (the IETF httpapi
     * draft's).
     */
    public static final int MAX_LENGTH = 255;

    private static final String PREFIX = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + "-";

    private static final AtomicLong sequence = new AtomicLong();

    private DumpKeys() {
    }

    public static String next() {
        return PREFIX + Long.toHexString(sequence.incrementAndGet());
    }

    /**
     * The key itself if it is at most {@link #MAX_LENGTH} characters; else
     * {@code sha256:} and its SHA-256 in base64url, the same for the same key (a key made
     * of a long caller's key and a line number, or of a batch's first key and its size).
     */
    public static String bounded(String key) {
        if (key.length() <= MAX_LENGTH) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
            return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }

}
