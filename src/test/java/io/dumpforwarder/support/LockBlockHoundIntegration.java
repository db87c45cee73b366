package io.dumpforwarder.support;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The async console appender hands events over through a lock-guarded queue that may park for microseconds
 * when contended, which is not blocking I/O. Everything else that blocks on an event loop fails a test.
 */
public class LockBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("ch.qos.logback.core.AsyncAppenderBase", "put");
    }

}
