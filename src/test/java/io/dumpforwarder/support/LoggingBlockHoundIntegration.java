package io.dumpforwarder.support;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The async console appender hands events over through a lock-guarded queue; a contended lock may park for
 * microseconds, which is not blocking I/O. Everything else that blocks on an event loop still fails a test.
 */
public class LoggingBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("ch.qos.logback.core.AsyncAppenderBase", "put");
    }

}
