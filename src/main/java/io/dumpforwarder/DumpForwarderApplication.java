package io.dumpforwarder;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

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

    public static void main(String[] args) {
        // One event loop per core the JVM may use (a container's CPU limit counts), where
        // Reactor Netty would take at least 4: on 2 cores, 4 loops delivered half as much
        // flat out (bench/RESULTS.md). -D sets another number.
        if (System.getProperty(EVENT_LOOPS) == null) {
            System.setProperty(EVENT_LOOPS, Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        SpringApplication.run(DumpForwarderApplication.class, args);
    }

}
