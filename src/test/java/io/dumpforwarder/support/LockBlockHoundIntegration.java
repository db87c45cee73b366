package io.dumpforwarder.support;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Short lock-guarded sections that may park for microseconds when contended, which is not
 * blocking I/O: the async console appender's queue hand-over, Netty 4.2's adaptive buffer
 * allocator growing its magazines, and Resilience4j's breaker changing state (a lock
 * around a few field writes, taken only on a transition; many forwards released at once,
 * as after a Retry-After pause, can meet there), and Lettuce's writer lock around handing
 * a command to its channel (the shared rate-limit bucket's calls to Redis), and the queue
 * lock of the JDK's scheduled executors, which {@code CompletableFuture.orTimeout} takes
 * to set and to cancel its timer: Bucket4j's Redis calls do both on Lettuce's event loop
 * (an error thrown by BlockHound inside that lock's acquire left the JDK's one timer
 * queue locked for good and hung the test). Everything else that blocks on an event loop
 * fails a test.
 */
public class LockBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("ch.qos.logback.core.AsyncAppenderBase", "put")
            .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines")
            .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
            .allowBlockingCallsInside("io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine",
                    "stateTransition")
            .allowBlockingCallsInside(
                    "io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine$OpenState",
                    "toHalfOpenState")
            .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
            .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "doExclusive")
            .allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "offer")
            .allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "remove");
    }

}
