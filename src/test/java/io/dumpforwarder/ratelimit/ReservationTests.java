package io.dumpforwarder.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokens taken the way golang.org/x/time/rate's WaitN takes them, against a real Bucket4j
 * bucket that refills one token every 10 s: reserved when they come within the longest
 * wait, refused at once when not, and given back when the wait is cancelled.
 */
class ReservationTests {

    private final Bucket bucket = Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(10).refillGreedy(1, Duration.ofSeconds(10)).build())
        .build();

    private final AtomicLong givenBack = new AtomicLong();

    @Test
    void tokensInTheBucketAreTakenWithoutWaiting() {
        StepVerifier.create(take(10, Duration.ZERO)).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(this.bucket.getAvailableTokens()).isZero();
    }

    @Test
    void tokensThatWouldComeAfterTheLongestWaitAreRefusedAtOnceAndNotTaken() {
        this.bucket.tryConsume(7);

        StepVerifier.create(take(5, Duration.ofSeconds(1)))
            .expectError(RateLimitedException.class)
            .verify(Duration.ofSeconds(5));

        assertThat(this.bucket.getAvailableTokens()).isEqualTo(3);
    }

    @Test
    void aCancelledWaitGivesItsTokensBackForTheNextTaker() {
        this.bucket.tryConsume(7);

        // Five tokens, three there: reserved, and the wait for the other two (about 20 s)
        // begins; then it is cancelled.
        StepVerifier.create(take(5, Duration.ofMinutes(1)))
            .expectSubscription()
            .expectNoEvent(Duration.ofMillis(100))
            .thenCancel()
            .verify(Duration.ofSeconds(5));

        assertThat(this.givenBack.get()).isEqualTo(5);
        // Without the tokens back the next taker would wait about 20 s for these three.
        StepVerifier.create(take(3, Duration.ZERO)).expectComplete().verify(Duration.ofSeconds(5));
    }

    private reactor.core.publisher.Mono<Void> take(long tokens, Duration maxWait) {
        return Reservation.take(this.bucket.asScheduler(), tokens, maxWait.toNanos(), (back) -> {
            this.bucket.addTokens(back);
            this.givenBack.addAndGet(back);
        }, () -> {
        });
    }

}
