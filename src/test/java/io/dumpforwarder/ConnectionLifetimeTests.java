package io.dumpforwarder;

import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pooled connection to the collector is used for {@code forwarder.client.max-lifetime}
 * at most, however busy it is: a renewed client certificate and new addresses of the
 * collector's name reach every connection within it. One forward at a time, so one
 * connection, kept busy and never idle long enough for the idle timeout.
 */
@TestPropertySource(properties = { "forwarder.max-concurrency=1", "forwarder.client.max-lifetime=1s",
        "forwarder.client.idle-timeout=10m" })
class ConnectionLifetimeTests extends AbstractAppTests {

    private static final TestCollector collector = new TestCollector();

    @DynamicPropertySource
    static void forwardToTheCollector(DynamicPropertyRegistry registry) {
        registry.add("forwarder.dump-url", collector::url);
    }

    @AfterAll
    static void close() {
        collector.close();
    }

    @Test
    void aConnectionOlderThanTheMaxLifetimeIsReplaced() {
        accept(dump(0));
        await().atMost(WAIT).until(() -> collector.requestCount() == 1);
        assertThat(collector.connectionsOpened()).isEqualTo(1);

        // Dumps one after the other on the one connection, until it is past its lifetime.
        await().atMost(WAIT).until(() -> {
            int sent = collector.requestCount();
            accept(dump(sent));
            await().atMost(WAIT).until(() -> collector.requestCount() == sent + 1);
            return collector.connectionsOpened() >= 2;
        });
        await().atMost(WAIT).until(() -> this.meters.forwarded("success") == collector.requestCount());
    }

}
