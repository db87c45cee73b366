package io.dumpforwarder;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** dump-forwarder: takes dumps off the callers at once and forwards them downstream, bounded and counted. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DumpForwarderApplication {

    public static void main(String[] args) {
        SpringApplication.run(DumpForwarderApplication.class, args);
    }

}
