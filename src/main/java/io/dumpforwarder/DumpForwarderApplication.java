package io.dumpforwarder;

import io.dumpforwarder.config.ForwarderProperties;
import io.dumpforwarder.dump.MaxAge;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * dump-forwarder: takes dumps off the callers at once and forwards them to the collector,
 * bounded and counted.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DumpForwarderApplication {

    /**
     * Reactor Netty's event loops, shared by the ingest server and the collector client.
     */
    static final String EVENT_LOOPS = "reactor.netty.ioWorkerCount";

    /**
     * How many of Netty's buffers its leak detector passes over for each one it tracks.
     */
    static final String LEAK_SAMPLING = "io.netty.leakDetection.samplingInterval";

    /**
     * How long an accepted dump may wait for delivery; the Kafka buffer replaces it with
     * its own.
     */
    @Bean
    MaxAge maxAge(ForwarderProperties properties) {
        return new MaxAge(properties.maxAge(), "forwarder.max-age");
    }

    public static void main(String[] args) {
        jvmDefaults();
        SpringApplication.run(DumpForwarderApplication.class, args);
    }

    /**
     * The service's defaults for settings Netty and Reactor Netty read once, from system
     * properties, when their classes load; each is left as it is when {@code -D} set it.
     */
    static void jvmDefaults() {
        // One event loop per core the JVM may use (a container's CPU limit counts), where
        // Reactor Netty would take at least 4: on 2 cores, 4 loops delivered half as much
        // flat out (bench/RESULTS.md).
        System.getProperties().putIfAbsent(EVENT_LOOPS, Integer.toString(Runtime.getRuntime().availableProcessors()));
        // Netty's leak detector records a stack trace for one buffer in 128, and the
        // stacks of a reactive pipeline are deep: 3 % of the CPU at a steady rate. One in
        // 4,096 still reports a path that leaks on every request within seconds at
        // thousands of dumps a second, for a thirtieth of the cost (bench/RESULTS.md).
        System.getProperties().putIfAbsent(LEAK_SAMPLING, "4096");
    }

}
