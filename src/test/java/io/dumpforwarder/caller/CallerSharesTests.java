package io.dumpforwarder.caller;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Shares of a bounded count among callers, weighted, from the fair-share point on. */
class CallerSharesTests {

    private final BoundedCounter queue = new BoundedCounter(100);

    private final CallerShares shares = new CallerShares(0.5, Map.of("search", 3));

    @Test
    void belowTheFairSharePointEveryoneIsAdmitted() {
        hold("flood", 40);
        hold("steady", 1);

        assertThat(this.shares.isOverShare("flood", 9, this.queue)).isFalse();
    }

    @Test
    void aCallerAloneHasTheWholeCountAndTheBoundDecides() {
        hold("flood", 90);

        assertThat(this.shares.isOverShare("flood", 10, this.queue)).isFalse();
        assertThat(this.shares.isOverShare("flood", 11, this.queue)).as("over the bound: queue_full, not a share")
            .isFalse();
    }

    @Test
    void pastThePointEqualCallersHaveHalfEach() {
        hold("flood", 50);
        hold("steady", 1);

        assertThat(this.shares.isOverShare("flood", 1, this.queue)).isTrue();
        assertThat(this.shares.isOverShare("steady", 49, this.queue)).isFalse();
        assertThat(this.shares.isOverShare("steady", 50, this.queue)).isTrue();
    }

    @Test
    void weightsDivideTheCountAsConfigured() {
        hold("search", 60);
        hold("flood", 10);

        // search weighs 3, flood 1: 75 and 25 of the 100.
        assertThat(this.shares.isOverShare("search", 15, this.queue)).isFalse();
        assertThat(this.shares.isOverShare("search", 16, this.queue)).isTrue();
        assertThat(this.shares.isOverShare("flood", 15, this.queue)).isFalse();
        assertThat(this.shares.isOverShare("flood", 16, this.queue)).isTrue();
    }

    @Test
    void aCallerThatAskedWithinTheLastSecondCountsThoughItHoldsNothing() {
        hold("flood", 60);
        assertThat(this.shares.isOverShare("steady", 1, this.queue)).isFalse();

        assertThat(this.shares.isOverShare("flood", 1, this.queue)).as("steady asked a moment ago").isTrue();
    }

    private void hold(String caller, int dumps) {
        assertThat(this.queue.tryReserve(dumps)).isTrue();
        this.shares.add(caller, dumps);
    }

}
