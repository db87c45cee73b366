package io.dumpforwarder.dump;

/**
 * What became of one forward: the outcome and, for a failure, a short human-readable
 * reason for the log.
 *
 * @param outcome the outcome
 * @param detail why it failed, or {@code null} on success
 */
public record Forwarded(Outcome outcome, String detail) {

    public static final Forwarded SUCCESS = new Forwarded(Outcome.SUCCESS, null);

    public static final Forwarded EXPIRED = new Forwarded(Outcome.EXPIRED,
            "waited in the queue longer than forwarder.max-age");

    public static final Forwarded SHUTDOWN = new Forwarded(Outcome.SHUTDOWN,
            "not delivered before forwarder.shutdown.drain-timeout");

}
