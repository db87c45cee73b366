package io.dumpforwarder.pipeline;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.dumpforwarder.config.LogProperties;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.trace.DumpTracing;
import io.dumpforwarder.util.LogWindow;
import io.micrometer.tracing.CurrentTraceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import org.springframework.stereotype.Component;

/**
 * Logs failed forwards, at most {@code forwarder.log.failures-per-second} lines per
 * second and outcome, so an outage cannot flood the logs; each line carries the number of
 * lines suppressed since the previous one. Every failure is counted in metrics whether or
 * not it is logged.
 */
@Component
public class FailureLog {

    private static final Logger logger = LoggerFactory.getLogger(FailureLog.class);

    private final Map<Outcome, LogWindow> windows = new EnumMap<>(Outcome.class);

    private final DumpTracing tracing;

    FailureLog(LogProperties log, DumpTracing tracing) {
        this.tracing = tracing;
        for (Outcome outcome : Outcome.values()) {
            this.windows.put(outcome, new LogWindow(log.failuresPerSecond()));
        }
    }

    public void log(List<Dump> dumps, ForwardResult result) {
        Dump first = dumps.get(0);
        // When the first dump's caller is traced here, the trace and span ids come from
        // the log correlation; else the line names the caller's trace id itself.
        try (CurrentTraceContext.Scope scope = this.tracing.scope(first.trace(), first.traceId())) {
            if (result.outcome() == Outcome.SUCCESS) {
                identify(logger.atDebug(), first, scope).addKeyValue("dumps", dumps.size()).log("Dumps forwarded");
                return;
            }
            long suppressed = this.windows.get(result.outcome()).tryAcquire();
            if (suppressed >= 0 && logger.isWarnEnabled()) {
                identify(logger.atWarn(), first, scope).addKeyValue("dumps", dumps.size())
                    .addKeyValue("outcome", result.outcome().tag())
                    .addKeyValue("suppressed", suppressed)
                    .log("{} not forwarded: {} ({}); {} similar lines suppressed since the last one",
                            (dumps.size() == 1) ? "Dump" : "Batch of " + dumps.size() + " dumps",
                            result.outcome().tag(), result.detail(), suppressed);
            }
        }
    }

    private static LoggingEventBuilder identify(LoggingEventBuilder line, Dump dump, CurrentTraceContext.Scope scope) {
        line.addKeyValue("uid", dump.uid()).addKeyValue("caller", dump.caller());
        // A second traceId pair would make the structured line unwritable.
        return (scope != null) ? line : line.addKeyValue("traceId", dump.traceId());
    }

}
