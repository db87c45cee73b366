package io.dumpforwarder.util;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Waits for a state that no event announces (the drains of shutdown): looks at once, then
 * every 20 ms.
 */
public final class Polling {

    private static final Duration INTERVAL = Duration.ofMillis(20);

    private Polling() {
    }

    /** Emits the number of the first look at which the condition holds. */
    public static Mono<Long> until(BooleanSupplier condition) {
        return Flux.interval(Duration.ZERO, INTERVAL).filter((tick) -> condition.getAsBoolean()).next();
    }

}
