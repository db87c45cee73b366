package io.dumpforwarder.forward;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.DefaultThreadFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The one timer a forward has armed at a time (its attempt timeout, or the end of its
 * wait), on one Netty {@link HashedWheelTimer}: arming or cancelling one is a lock-free
 * queue insert. Reactor's timers put each on a parallel scheduler's executor instead: a
 * locked heap insert and removal, and a thread wake-up whenever the new timeout is that
 * executor's earliest, which at a few forwards in flight is most of the time. A timer
 * fires within one tick ({@value #TICK_MILLIS} ms) after its delay, never before it, on
 * the wheel's thread ({@value #THREAD_NAME}).
 */
@Component
class TimingWheel implements DisposableBean {

    static final long TICK_MILLIS = 10;

    static final String THREAD_NAME = "dump-forwarder-timer";

    private final HashedWheelTimer wheel = new HashedWheelTimer(new DefaultThreadFactory(THREAD_NAME, true),
            TICK_MILLIS, TimeUnit.MILLISECONDS, 512);

    TimingWheel(MeterRegistry registry) {
        Gauge.builder("dumps.forward.timers", this.wheel, HashedWheelTimer::pendingTimeouts)
            .description("Timers armed on the forwards' timing wheel: at most one per forward in flight; "
                    + "a cancelled one leaves at the next tick")
            .register(registry);
    }

    /**
     * Runs the task on the wheel's thread once the delay has passed, unless cancelled.
     */
    Timeout arm(TimerTask task, long delayNanos) {
        return this.wheel.newTimeout(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void destroy() {
        this.wheel.stop();
    }

}
