package io.dumpforwarder.breaker;

import io.dumpforwarder.collector.CollectorStatusException;
import io.dumpforwarder.dump.Dump;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The breaker settings YAML cannot carry: the breaker records every outcome on an
 * event-loop thread, so its sliding window must be lock-free (the default guards it with
 * a lock that parks when contended); and it reacts to the collector's health only, so a
 * 4xx answer about the dump itself (other than 408 and 429) is not counted at all. All
 * tuning stays in {@code resilience4j.circuitbreaker.*}.
 */
@Configuration(proxyBeanMethods = false)
public class ResilienceConfiguration {

    @Bean
    CircuitBreakerConfigCustomizer dumpBreakerSeesTheCollectorsHealth() {
        return CircuitBreakerConfigCustomizer.of(Dump.CARRIER,
                (breaker) -> breaker
                    .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
                    .ignoreException(ResilienceConfiguration::isAboutTheDump));
    }

    /**
     * The breaker, once Resilience4j 2.4's lock-free window can hold what it is set to: a
     * window of one call (a half-open state of one probe makes one) loses its head at the
     * second call it records and throws {@link NullPointerException} on every call after,
     * until the breaker moves (issue 37).
     * @throws IllegalStateException naming the setting otherwise
     */
    public static CircuitBreaker lockFreeWindowsOfTwo(CircuitBreaker breaker) {
        CircuitBreakerConfig config = breaker.getCircuitBreakerConfig();
        String prefix = "resilience4j.circuitbreaker.instances." + breaker.getName() + ".";
        if (config.getSlidingWindowSynchronizationStrategy() == SlidingWindowSynchronizationStrategy.LOCK_FREE) {
            if (config.getPermittedNumberOfCallsInHalfOpenState() < 2) {
                throw new IllegalStateException(prefix + "permitted-number-of-calls-in-half-open-state must be at "
                        + "least 2: Resilience4j's lock-free window fails with one");
            }
            if (config.getSlidingWindowSize() < 2) {
                throw new IllegalStateException(prefix
                        + "sliding-window-size must be at least 2: Resilience4j's lock-free window fails with one");
            }
        }
        return breaker;
    }

    /** A refusal of this one dump, which says nothing about the collector's health. */
    static boolean isAboutTheDump(Throwable error) {
        return error instanceof CollectorStatusException answer && answer.isAboutTheDump();
    }

}
