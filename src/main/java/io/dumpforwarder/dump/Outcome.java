package io.dumpforwarder.dump;

import java.util.Locale;

/**
 * The final outcome of an accepted dump; its tag is the {@code outcome} label of
 * {@code dumps_forwarded_total}.
 */
public enum Outcome {

    SUCCESS, TIMEOUT, CONNECT_ERROR, HTTP_4XX,
    /**
     * The collector rejects the forwarder itself, not the dump: a 401, 403, 404, 405,
     * 407, 411, 421 or 426 (a credential, a path, a method or a protocol the forwarder is
     * set with); held and tried again like an outage.
     */
    REJECTED, HTTP_5XX, CIRCUIT_OPEN, RATE_LIMITED, EXPIRED, SHUTDOWN, ERROR;

    private final String tag = name().toLowerCase(Locale.ROOT);

    public String tag() {
        return this.tag;
    }

    /**
     * Whether a dump with this outcome went out on the network, so its latency means
     * something.
     */
    public boolean attempted() {
        return switch (this) {
            case SUCCESS, TIMEOUT, CONNECT_ERROR, HTTP_4XX, REJECTED, HTTP_5XX, ERROR -> true;
            case CIRCUIT_OPEN, RATE_LIMITED, EXPIRED, SHUTDOWN -> false;
        };
    }

}
