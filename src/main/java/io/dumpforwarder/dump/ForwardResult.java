package io.dumpforwarder.dump;

/**
 * What became of one forward: the outcome and, for a failure, a short human-readable
 * reason for the log.
 *
 * @param outcome the outcome
 * @param detail why it failed, or {@code null} on success
 * @param refused whether the collector refused the dump itself (a 4xx other than 408 and
 * 429), so trying again cannot help
 * @param status the collector's status answering the last attempt, 0 when it did not
 * answer
 * @param attempts the attempts made, 0 when none went out
 */
public record ForwardResult(Outcome outcome, String detail, boolean refused, int status, int attempts) {

    public ForwardResult(Outcome outcome, String detail) {
        this(outcome, detail, false, 0, 0);
    }

    public static final ForwardResult SUCCESS = new ForwardResult(Outcome.SUCCESS, null);

    public static final ForwardResult SHUTDOWN = new ForwardResult(Outcome.SHUTDOWN,
            "not delivered before forwarder.shutdown.drain-timeout");

    /**
     * The same result, after this many attempts; a success stays itself, since only a
     * dump that failed for good is told its attempts (as a dead letter).
     */
    public ForwardResult after(int attemptsMade) {
        if (this.outcome == Outcome.SUCCESS || this.attempts == attemptsMade) {
            return this;
        }
        return new ForwardResult(this.outcome, this.detail, this.refused, this.status, attemptsMade);
    }

    /**
     * Whether trying again later cannot change the result: delivered, refused by the
     * collector, or too old.
     */
    public boolean isFinal() {
        return this.outcome == Outcome.SUCCESS || this.outcome == Outcome.EXPIRED || this.refused;
    }

}
