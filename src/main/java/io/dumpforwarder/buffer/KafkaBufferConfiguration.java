package io.dumpforwarder.buffer;

import io.dumpforwarder.breaker.BreakerStates;
import io.dumpforwarder.caller.CallersProperties;
import io.dumpforwarder.config.LogProperties;
import io.dumpforwarder.config.ShutdownProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.MaxAge;
import io.dumpforwarder.queue.DumpQueue;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.health.application.ReadinessStateHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The Kafka buffer, with {@code forwarder.buffer.type: kafka}: its intake and its source
 * replace the in-memory queue's, for ingest and for the pipeline. Kafka's clients are
 * Spring Boot's, configured by {@code spring.kafka.*}. Start-up fails, naming the key,
 * when the broker answers that the topic does not exist; see {@link TopicCheck}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "forwarder.buffer.type", havingValue = "kafka")
class KafkaBufferConfiguration {

    /**
     * The breaker around sends, tuned in {@code resilience4j.circuitbreaker.instances}.
     */
    static final String BUFFER_BREAKER = "buffer";

    /**
     * Threads that may block in a send (the producer waits up to {@code max.block.ms} for
     * metadata or buffer space while Kafka is away): the buffer's own, so no such wait
     * ever holds the shared bounded-elastic threads Actuator's probes and scrapes run on.
     * A send past these bounds is refused, and its request gets 503 buffer_unavailable.
     */
    @Bean(destroyMethod = "dispose")
    Scheduler kafkaSends() {
        return Schedulers.newBoundedElastic(16, 10_000, "dump-forwarder-kafka", 60, true);
    }

    @Bean(destroyMethod = "close")
    TopicCheck topicCheck(KafkaAdmin admin, BufferProperties buffer, Scheduler kafkaSends) {
        BufferProperties.Kafka kafka = buffer.kafka();
        TopicCheck check = new TopicCheck(admin.getConfigurationProperties(), kafka.topic(), kafka.deadLetters());
        check.start(kafkaSends);
        return check;
    }

    /** Replaces Spring Boot's: not ready until the topic was found. */
    @Bean
    ReadinessStateHealthIndicator readinessStateHealthIndicator(TopicCheck topicCheck,
            ApplicationAvailability availability) {
        return topicCheck.readiness(availability);
    }

    @Bean(destroyMethod = "close")
    BreakerProbe bufferBreakerProbe(CircuitBreakerRegistry breakers, TopicCheck topicCheck, BufferProperties buffer) {
        return new BreakerProbe(breakers.circuitBreaker(BUFFER_BREAKER), topicCheck, buffer.kafka().sendTimeout());
    }

    @Bean
    @Primary
    KafkaIntake kafkaIntake(KafkaTemplate<byte[], byte[]> template, DumpQueue queue, BufferProperties buffer,
            CallersProperties callers, LogProperties log, CircuitBreakerRegistry breakers, TopicCheck topicCheck,
            Scheduler kafkaSends, MeterRegistry registry) {
        return new KafkaIntake(template, queue, buffer.kafka(), callers, log, breakers.circuitBreaker(BUFFER_BREAKER),
                topicCheck, kafkaSends, registry);
    }

    @Bean(destroyMethod = "close")
    DeadLetters deadLetters(KafkaTemplate<byte[], byte[]> template, BufferProperties buffer, MeterRegistry registry) {
        return new DeadLetters(template, buffer.kafka(), registry);
    }

    @Bean(destroyMethod = "close")
    ReplayEndpoint replayEndpoint(ConsumerFactory<byte[], byte[]> consumers, DumpQueue queue, DeadLetters deadLetters,
            TopicCheck topicCheck, MeterRegistry registry, BufferProperties buffer) {
        return new ReplayEndpoint(consumers, queue, deadLetters, topicCheck, new ReplayMeters(registry),
                buffer.kafka());
    }

    /** Replaces {@code forwarder.max-age}: a durable buffer keeps dumps far longer. */
    @Bean
    @Primary
    MaxAge bufferMaxAge(BufferProperties buffer) {
        return new MaxAge(buffer.kafka().maxAge(), "forwarder.buffer.kafka.max-age");
    }

    /**
     * Replaces the in-memory queue as the pipeline's source; not a lifecycle bean (see
     * {@link KafkaSourceLifecycle}), and nothing to close: its close is the queue's.
     */
    @Bean(destroyMethod = "")
    @Primary
    KafkaSource kafkaSource(ConcurrentKafkaListenerContainerFactory<byte[], byte[]> factory, DumpQueue queue,
            DeadLetters deadLetters, TopicCheck topicCheck, BufferProperties buffer, LogProperties log,
            ShutdownProperties shutdown, MeterRegistry registry, CircuitBreakerRegistry breakers) {
        KafkaSource source = new KafkaSource(factory.createContainer(buffer.kafka().topic()), queue, deadLetters,
                topicCheck, buffer.kafka(), log, shutdown, registry);
        // While the breaker is open nothing new is taken; the group keeps its members.
        breakers.circuitBreaker(Dump.CARRIER).getEventPublisher().onStateTransition((transition) -> {
            if (BreakerStates.isOpen(transition.getStateTransition().getToState())) {
                source.pause();
            }
            else {
                source.resume();
            }
        });
        return source;
    }

    @Bean
    KafkaSourceLifecycle kafkaSourceLifecycle(KafkaSource kafkaSource) {
        return new KafkaSourceLifecycle(kafkaSource);
    }

}
