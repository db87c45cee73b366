package io.dumpforwarder.ratelimit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The switch between the shared bucket and this pod's own, state by state, on a clock the
 * test sets.
 */
class FallbackTests {

    private static final long SECOND = Fallback.RETRY_NANOS;

    private final Fallback fallback = new Fallback();

    @Test
    void theSharedBucketIsUsedWhileRedisAnswers() {
        assertThat(this.fallback.isFallingBack()).isFalse();
        assertThat(this.fallback.useShared(0)).isTrue();
        assertThat(this.fallback.useShared(5 * SECOND)).isTrue();
        assertThat(this.fallback.answered(5 * SECOND)).as("an answer while in use changes nothing").isFalse();
        assertThat(this.fallback.isFallingBack()).isFalse();
    }

    @Test
    void theFirstFailureStartsTheFallbackAndTheOthersJoinIt() {
        assertThat(this.fallback.failed(100)).isTrue();
        assertThat(this.fallback.failed(200)).as("calls failing beside it start nothing").isFalse();
        assertThat(this.fallback.isFallingBack()).isTrue();
        assertThat(this.fallback.useShared(100 + SECOND - 1)).as("no retry within the second").isFalse();
    }

    @Test
    void oneCallASecondClaimsTheRetry() {
        this.fallback.failed(0);

        assertThat(this.fallback.useShared(SECOND)).isTrue();
        assertThat(this.fallback.useShared(SECOND)).as("the retry is claimed once").isFalse();
        assertThat(this.fallback.useShared(2 * SECOND - 1)).isFalse();
        assertThat(this.fallback.useShared(2 * SECOND)).as("and again a second later").isTrue();
        assertThat(this.fallback.isFallingBack()).isTrue();
    }

    @Test
    void anAnswerToTheRetryEndsTheFallback() {
        this.fallback.failed(0);
        this.fallback.useShared(SECOND);

        assertThat(this.fallback.answered(SECOND)).isTrue();
        assertThat(this.fallback.isFallingBack()).isFalse();
        assertThat(this.fallback.useShared(SECOND + 1)).isTrue();
    }

    @Test
    void anAnswerToACallMadeBeforeTheRetryProvesNothing() {
        long inFlight = 0;
        this.fallback.failed(10);
        this.fallback.useShared(10 + SECOND);

        assertThat(this.fallback.answered(inFlight)).isFalse();
        assertThat(this.fallback.isFallingBack()).isTrue();
    }

    @Test
    void aRetryThatFailsKeepsTheFallbackAndItsNextRetryASecondLater() {
        this.fallback.failed(0);
        this.fallback.useShared(SECOND);

        assertThat(this.fallback.failed(SECOND + 5)).as("not a new fallback: counted once").isFalse();
        assertThat(this.fallback.useShared(2 * SECOND - 1)).isFalse();
        assertThat(this.fallback.useShared(2 * SECOND)).isTrue();
    }

}
