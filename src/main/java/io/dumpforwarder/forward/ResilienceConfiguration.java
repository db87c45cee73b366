package io.dumpforwarder.forward;

import io.dumpforwarder.dump.Dump;
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
class ResilienceConfiguration {

    @Bean
    CircuitBreakerConfigCustomizer dumpBreakerSeesTheCollectorsHealth() {
        return CircuitBreakerConfigCustomizer.of(Dump.CARRIER,
                (breaker) -> breaker
                    .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
                    .ignoreException(ResilienceConfiguration::isAboutTheDump));
    }

    /** A refusal of this one dump, which says nothing about the collector's health. */
    static boolean isAboutTheDump(Throwable error) {
        return error instanceof CollectorStatusException answer && answer.isAboutTheDump();
    }

}
