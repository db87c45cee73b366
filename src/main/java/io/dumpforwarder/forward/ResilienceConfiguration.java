package io.dumpforwarder.forward;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one breaker setting YAML cannot carry: the breaker records every outcome on an event-loop thread,
 * so its sliding window must be lock-free (the default guards it with a lock that parks when contended).
 * All tuning stays in {@code resilience4j.circuitbreaker.*}.
 */
@Configuration(proxyBeanMethods = false)
class ResilienceConfiguration {

    @Bean
    CircuitBreakerConfigCustomizer lockFreeDumpBreakerWindow() {
        return CircuitBreakerConfigCustomizer.of(DumpForwarder.RESILIENCE_NAME,
                (breaker) -> breaker.slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE));
    }

}
