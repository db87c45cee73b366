package io.dumpforwarder.forward;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The timeouts every forward starts and almost always cancels (its attempt timeout and
 * its deadline), on one Netty {@link HashedWheelTimer}: starting or cancelling one is a
 * lock-free queue insert. Reactor's {@code timeout(Duration)} puts each on a parallel
 * scheduler's executor instead: a locked heap insert and removal, and a thread wake-up
 * whenever the new timeout is that executor's earliest, which at a few forwards in flight
 * is most of the time. A timeout fires within one tick ({@value #TICK_MILLIS} ms) after
 * its delay, on the wheel's thread ({@value #THREAD_NAME}).
 * <p>
 * Which timer to use: this wheel for a timeout that every forward starts and that almost
 * never fires; Reactor's ({@code timeout}, {@code delay}) for every other wait (a
 * backoff, a pause, a hold, a drain), which is rare and may need its exactness.
 */
@Component
class TimingWheel implements DisposableBean {

    static final long TICK_MILLIS = 10;

    static final String THREAD_NAME = "dump-forwarder-timer";

    private final HashedWheelTimer wheel = new HashedWheelTimer(new DefaultThreadFactory(THREAD_NAME, true),
            TICK_MILLIS, TimeUnit.MILLISECONDS, 512);

    /**
     * The source, or the fallback if the source has not signalled within the delay; with
     * no fallback, a {@link TimeoutException} then. A race of the two rather than
     * Reactor's {@code timeout(Publisher)}, which names the whole chain above it (a walk
     * with streams and a regular expression) for its message on every subscription: 4 %
     * of the service's CPU at a steady rate, for a message almost never read.
     */
    <T> Mono<T> timeout(Mono<T> source, Duration delay, Mono<T> fallback) {
        Mono<T> passed = after(delay).then((fallback != null) ? fallback
                : Mono.error(() -> new TimeoutException("no signal within " + delay.toMillis() + " ms")));
        return Mono.firstWithSignal(source, passed);
    }

    private Mono<Long> after(Duration delay) {
        return Mono.create((sink) -> {
            Timeout timeout = this.wheel.newTimeout((passed) -> sink.success(0L), delay.toNanos(),
                    TimeUnit.NANOSECONDS);
            sink.onCancel(timeout::cancel);
        });
    }

    @Override
    public void destroy() {
        this.wheel.stop();
    }

}
