package io.dumpforwarder;

import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The system properties the service sets before Netty loads: its defaults, and an
 * operator's {@code -D} winning over them.
 */
class JvmDefaultsTests {

    private static final List<String> KEYS = List.of(DumpForwarderApplication.EVENT_LOOPS,
            DumpForwarderApplication.LEAK_SAMPLING);

    private final Properties saved = new Properties();

    @BeforeEach
    void clear() {
        for (String key : KEYS) {
            String value = System.getProperty(key);
            if (value != null) {
                this.saved.setProperty(key, value);
            }
            System.clearProperty(key);
        }
    }

    @AfterEach
    void restore() {
        for (String key : KEYS) {
            System.clearProperty(key);
            String value = this.saved.getProperty(key);
            if (value != null) {
                System.setProperty(key, value);
            }
        }
    }

    @Test
    void oneEventLoopPerCoreAndOneBufferIn4096Tracked() {
        DumpForwarderApplication.jvmDefaults();

        assertThat(System.getProperty(DumpForwarderApplication.EVENT_LOOPS))
            .isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));
        assertThat(System.getProperty(DumpForwarderApplication.LEAK_SAMPLING)).isEqualTo("4096");
    }

    @Test
    void whatAnOperatorSetWins() {
        System.setProperty(DumpForwarderApplication.EVENT_LOOPS, "3");
        System.setProperty(DumpForwarderApplication.LEAK_SAMPLING, "128");

        DumpForwarderApplication.jvmDefaults();

        assertThat(System.getProperty(DumpForwarderApplication.EVENT_LOOPS)).isEqualTo("3");
        assertThat(System.getProperty(DumpForwarderApplication.LEAK_SAMPLING)).isEqualTo("128");
    }

}
