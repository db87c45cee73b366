package io.dumpforwarder;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * BlockHound is installed for every test, so a blocking call on a non-blocking thread
 * fails the test that made it.
 */
class BlockHoundTests {

    @Test
    void blockingOnANonBlockingThreadIsAnError() {
        Mono<Void> blocking = Mono.fromRunnable(() -> {
            try {
                Thread.sleep(1);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }).subscribeOn(Schedulers.parallel()).then();

        StepVerifier.create(blocking).expectError(BlockingOperationError.class).verify(Duration.ofSeconds(5));
    }

}
