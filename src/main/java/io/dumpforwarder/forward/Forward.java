package io.dumpforwarder.forward;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

import io.dumpforwarder.breaker.BreakerStates;
import io.dumpforwarder.collector.AttemptResult;
import io.dumpforwarder.collector.CollectorStatusException;
import io.dumpforwarder.collector.Exchange;
import io.dumpforwarder.collector.FailureClassifier;
import io.dumpforwarder.concurrency.ConcurrencyLimit.Permit;
import io.dumpforwarder.concurrency.Feedback;
import io.dumpforwarder.dump.Dump;
import io.dumpforwarder.dump.ForwardResult;
import io.dumpforwarder.dump.Outcome;
import io.dumpforwarder.ratelimit.RateLimitedException;
import io.dumpforwarder.trace.DumpTracing;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.tracing.Span;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

/**
 * One forward: the attempts that deliver one request's dumps, and every wait between
 * them, as one object. The oldest dump's max age is read once, when it starts; at most
 * one timer is armed for it at a time; an attempt is one exchange on the wire, guarded
 * through the core APIs of the breaker, the rate limiter and the adaptive limit.
 * <p>
 * An attempt waits for any pause the collector asked for, takes the rate limiter's tokens
 * and the adaptive limit's permit, asks the breaker, and goes on the wire. What it comes
 * to either settles the forward, or holds it until the breaker moves
 * ({@code forwarder.circuit-open: hold}), or backs off and waits for the retry budget's
 * room before the next attempt; no wait lasts past the max age. Events arrive on several
 * threads (the collector's event loops, the timer's, the one that freed a permit): each
 * is handled under the forward's lock, and one meant for a state it has left is ignored.
 * The result goes out after the lock is let go.
 */
final class Forward implements TimerTask, Consumer<Permit> {

    private static final long NO_TIMER = Long.MIN_VALUE;

    private final DumpForwarder forwarder;

    private final Route route;

    private final List<Dump> dumps;

    private final long expiresAt;

    private final MonoSink<ForwardResult> sink;

    private State state = State.STARTING;

    /** Counts the state changes; a callback armed in an earlier one is stale. */
    private int step;

    private Timeout timer;

    /** What a wait subscribed to: the rate limiter's tokens, or the breaker's move. */
    private Disposable waitingFor;

    private int number = 1;

    /** The last attempt's result, while its retry waits. */
    private ForwardResult last;

    /** Completes at the breaker's first move after this attempt began (hold only). */
    private Mono<Void> breakerMoved;

    private Span span;

    private Permit permit;

    /** A permit to give back once the lock is let go, and what to tell the limit. */
    private Permit released;

    private Feedback releasedFeedback;

    private Wire wire;

    /** The result, set when the forward settles, handed out once the lock is let go. */
    private ForwardResult result;

    Forward(DumpForwarder forwarder, Route route, List<Dump> dumps, MonoSink<ForwardResult> sink) {
        this.forwarder = forwarder;
        this.route = route;
        this.dumps = dumps;
        this.expiresAt = forwarder.maxAge.expiresAt(dumps);
        this.sink = sink;
        sink.onCancel(this::cancel);
    }

    void start() {
        synchronized (this) {
            if (this.state != State.STARTING) {
                return;
            }
            if (this.forwarder.cutting) {
                settle(ForwardResult.SHUTDOWN);
            }
            else {
                attempt();
            }
        }
        handOut();
    }

    /**
     * A timer ends a wait, or an attempt on the wire. What follows a wait (the next
     * attempt) runs on Reactor's parallel scheduler: the wheel's one thread only ends
     * attempts and hands the rest over, so a burst of retries delays no other timer.
     */
    @Override
    public void run(Timeout fired) {
        boolean between;
        synchronized (this) {
            between = fired == this.timer && this.state.isBetweenAttempts();
        }
        if (between) {
            Schedulers.parallel().schedule(() -> fired(fired));
        }
        else {
            fired(fired);
        }
    }

    private void fired(Timeout fired) {
        synchronized (this) {
            if (fired != this.timer) {
                return;
            }
            this.timer = null;
            switch (this.state) {
                case PAUSED -> afterPause();
                case HELD -> {
                    if (isPastMaxAge()) {
                        settle(this.forwarder.heldTooLong);
                    }
                    else {
                        attempt();
                    }
                }
                case BACKING_OFF, AWAITING_ROOM -> paced();
                case TOKENS -> settle(this.forwarder.stalled);
                case PERMIT -> {
                    this.forwarder.concurrency.leave(this);
                    attempted(this.forwarder.permitExpired, 0);
                }
                case WIRE -> timedOut();
                default -> {
                }
            }
        }
        handOut();
    }

    /** The adaptive limit grants a permit this forward waited for. */
    @Override
    public void accept(Permit granted) {
        synchronized (this) {
            if (this.state == State.PERMIT) {
                this.permit = granted;
                send();
            }
            else {
                giveBack(granted, Feedback.IGNORE);
            }
        }
        handOut();
    }

    /** Ends a wait between attempts with {@code shutdown}. */
    void stopWaiting() {
        synchronized (this) {
            if (this.state.isBetweenAttempts()) {
                settle(ForwardResult.SHUTDOWN);
            }
        }
        handOut();
    }

    /**
     * Ends the forward at shutdown: a wait with {@code shutdown}, an attempt on the wire
     * by its answer if its status was read, else with {@code shutdown}.
     */
    void stopSending() {
        synchronized (this) {
            if (this.state == State.WIRE) {
                cut();
            }
            else if (this.state != State.SETTLED && this.state != State.STARTING) {
                settle(ForwardResult.SHUTDOWN);
            }
        }
        handOut();
    }

    /** The attempt of this number, once any pause the collector asked for is over. */
    private void attempt() {
        if (this.route.counted() && this.forwarder.pause.isPaused()) {
            afterPause();
            return;
        }
        this.span = this.forwarder.tracing.attempt(this.dumps, this.number);
        if (this.route.counted() && this.forwarder.rateLimiter.isEnabled()) {
            // A guard, not a timeout: the limiter ends its own waits.
            int entered = enter(State.TOKENS,
                    this.forwarder.rateLimiter.longestTakeNanos() + DumpForwarder.SLACK_NANOS);
            Disposable taken = this.forwarder.rateLimiter.take(this.dumps.size(), this.expiresAt)
                .subscribe(null, (refused) -> tokens(entered, refused), () -> tokens(entered, null));
            keep(entered, taken);
            return;
        }
        permit();
    }

    private void afterPause() {
        if (!this.forwarder.pause.isPaused()) {
            attempt();
            return;
        }
        long left = this.expiresAt - System.nanoTime();
        if (left <= 0) {
            settle(this.forwarder.pausedTooLong);
            return;
        }
        waitFor(State.PAUSED, Math.min(left, this.forwarder.pause.until() - System.nanoTime()));
    }

    private void tokens(int entered, Throwable refused) {
        synchronized (this) {
            if (entered != this.step) {
                return;
            }
            if (refused != null) {
                attempted(
                        (refused instanceof RateLimitedException) ? refusal(Outcome.RATE_LIMITED, refused.getMessage())
                                : FailureClassifier.classify(refused, false),
                        0);
            }
            else {
                permit();
            }
        }
        handOut();
    }

    private void permit() {
        if (this.route.counted() && this.forwarder.concurrency.isAdaptive()) {
            this.permit = this.forwarder.concurrency.acquire(this);
            if (this.permit == null) {
                enter(State.PERMIT, this.expiresAt - System.nanoTime());
                return;
            }
        }
        send();
    }

    /**
     * The attempt on the wire, if the breaker permits it. The breaker times the exchange
     * alone: the waits for permits before it are never slow calls.
     */
    private void send() {
        CircuitBreaker breaker = this.route.breaker();
        if (this.forwarder.breakerChanges != null) {
            // Taken before the attempt, so a move between the refusal and the hold is not
            // missed.
            this.breakerMoved = this.forwarder.breakerChanges.next();
        }
        if (!breaker.tryAcquirePermission()) {
            attempted(refusal(Outcome.CIRCUIT_OPEN,
                    CallNotPermittedException.createCallNotPermittedException(breaker).getMessage()), 0);
            return;
        }
        enter(State.WIRE, this.forwarder.attemptTimeoutNanos);
        Wire sending = new Wire(breaker.getCurrentTimestamp());
        this.wire = sending;
        this.route.exchange().send(this.dumps, this.span, sending).subscribe(sending);
    }

    private void answered(Wire answered, Throwable error) {
        synchronized (this) {
            if (answered == this.wire) {
                this.wire = null;
                attempted(judged(answered, error), answered.status);
            }
        }
        handOut();
    }

    /** What the breaker records of an answered attempt, and what the attempt came to. */
    private AttemptResult judged(Wire answered, Throwable error) {
        CircuitBreaker breaker = this.route.breaker();
        long took = breaker.getCurrentTimestamp() - answered.started;
        if (error == null) {
            breaker.onSuccess(took, breaker.getTimestampUnit());
            return AttemptResult.SUCCESS;
        }
        if (error instanceof CollectorStatusException answer && answer.retryAfter() != null) {
            this.forwarder.pause.pause(answer.retryAfter(), answer.status());
        }
        breaker.onError(took, breaker.getTimestampUnit(), error);
        return FailureClassifier.classify(error, answered.status != 0);
    }

    private void timedOut() {
        Wire cut = this.wire;
        this.wire = null;
        cut.dispose();
        CircuitBreaker breaker = this.route.breaker();
        TimeoutException timeout = new TimeoutException(
                "no signal within " + this.forwarder.attemptTimeoutNanos / 1_000_000 + " ms");
        breaker.onError(breaker.getCurrentTimestamp() - cut.started, breaker.getTimestampUnit(), timeout);
        attempted(FailureClassifier.classify(timeout, cut.status != 0), cut.status);
    }

    /** An attempt cut at shutdown: by its answer if its status was read. */
    private void cut() {
        Wire cut = this.wire;
        this.wire = null;
        cut.dispose();
        this.route.breaker().releasePermission();
        releasePermit(Feedback.IGNORE);
        int status = cut.status;
        if (status >= 200 && status < 300) {
            attempted(AttemptResult.SUCCESS, status);
        }
        else if (status > 0) {
            attempted(FailureClassifier.classify(new CollectorStatusException(status, (String) null), true), status);
        }
        else {
            endSpan(status);
            settle(ForwardResult.SHUTDOWN);
        }
    }

    /**
     * What an attempt came to: the forward settles, or holds for the breaker, or tries
     * again. A failure that may pass (a connection refused, a timeout before any answer,
     * 429, 502, 503, 504, 408, or a rejection of the forwarder such as 401) is tried
     * again until the oldest dump's max age, however many attempts that takes; it ends
     * {@code expired} only when the next try would come after the max age.
     */
    private void attempted(AttemptResult attempt, int status) {
        releasePermit(attempt.feedback());
        ForwardResult outcome = attempt.result();
        DumpTracing.attempted(this.span, status, outcome.outcome());
        this.span = null;
        if (!this.route.counted()) {
            settle(outcome);
            return;
        }
        if (this.forwarder.breakerChanges != null && outcome.outcome() == Outcome.CIRCUIT_OPEN) {
            hold();
            return;
        }
        this.forwarder.retries.attempted(this.number, outcome.outcome(), this.dumps.size());
        Duration backoff = attempt.retryable()
                ? this.forwarder.retries.backoff(this.number, this.forwarder.pause.remainingNanos()) : null;
        if (backoff == null || this.forwarder.stopping) {
            settle(outcome.after(this.number));
            return;
        }
        if (System.nanoTime() + backoff.toNanos() - this.expiresAt > 0) {
            settle(this.forwarder.expired(outcome, this.number));
            return;
        }
        this.last = outcome;
        this.number++;
        waitFor(State.BACKING_OFF, backoff.toNanos());
    }

    /**
     * An attempt the open breaker refused waits for the breaker to move (or its open wait
     * to pass), then asks again; it is not a retry.
     */
    private void hold() {
        long left = this.expiresAt - System.nanoTime();
        if (left <= 0) {
            settle(this.forwarder.heldTooLong);
            return;
        }
        if (!waitFor(State.HELD, Math.min(left, this.forwarder.breakerChanges.openWait().toNanos()))) {
            return;
        }
        int entered = this.step;
        Disposable moved = this.breakerMoved.subscribe(null, null, () -> moved(entered));
        keep(entered, moved);
    }

    private void moved(int entered) {
        synchronized (this) {
            if (entered == this.step) {
                attempt();
            }
        }
        handOut();
    }

    /**
     * The next attempt once the retry budget has room for it: the retry waits for room,
     * never past the oldest dump's max age. While the breaker is open the attempt is held
     * (or dropped) by it, taking nothing from the budget.
     */
    private void paced() {
        if (BreakerStates.isOpen(this.route.breaker().getState()) || this.forwarder.retries.tryRetry()) {
            attempt();
            return;
        }
        long left = this.expiresAt - System.nanoTime();
        if (left <= 0) {
            settle(this.forwarder.expired(this.last, this.number - 1));
            return;
        }
        waitFor(State.AWAITING_ROOM, Math.min(left, this.forwarder.retries.roomWait().toNanos()));
    }

    /**
     * A wait between attempts, ended at once with {@code shutdown} once the forwarder
     * stops waiting.
     * @return whether the forward waits
     */
    private boolean waitFor(State waiting, long nanos) {
        if (this.forwarder.stopping) {
            settle(ForwardResult.SHUTDOWN);
            return false;
        }
        enter(waiting, nanos);
        return true;
    }

    /**
     * Moves to the state, ending what the last one waited for, and arms its timer.
     * @return the step it entered
     */
    private int enter(State next, long timerNanos) {
        if (this.timer != null) {
            this.timer.cancel();
            this.timer = null;
        }
        if (this.waitingFor != null) {
            this.waitingFor.dispose();
            this.waitingFor = null;
        }
        this.state = next;
        this.step++;
        if (timerNanos != NO_TIMER) {
            this.timer = this.forwarder.timer.arm(this, timerNanos);
        }
        return this.step;
    }

    /** Keeps what a wait subscribed to, unless the wait ended as it subscribed. */
    private void keep(int entered, Disposable subscribed) {
        if (entered == this.step) {
            this.waitingFor = subscribed;
        }
        else {
            subscribed.dispose();
        }
    }

    private boolean isPastMaxAge() {
        return System.nanoTime() - this.expiresAt >= 0;
    }

    /** Settles the forward with this result, letting go of whatever it holds. */
    private void settle(ForwardResult settled) {
        letGo();
        enter(State.SETTLED, NO_TIMER);
        this.forwarder.live.remove(this);
        this.result = settled;
    }

    /** The pipeline gave up on the forward: it lets go of whatever it holds. */
    private void cancel() {
        synchronized (this) {
            if (this.state == State.SETTLED) {
                return;
            }
            letGo();
            enter(State.SETTLED, NO_TIMER);
            this.forwarder.live.remove(this);
        }
        handOut();
    }

    private void letGo() {
        if (this.state == State.PERMIT) {
            this.forwarder.concurrency.leave(this);
        }
        int status = 0;
        if (this.wire != null) {
            status = this.wire.status;
            this.wire.dispose();
            this.wire = null;
            this.route.breaker().releasePermission();
        }
        releasePermit(Feedback.IGNORE);
        endSpan(status);
    }

    private void releasePermit(Feedback feedback) {
        if (this.permit != null) {
            giveBack(this.permit, feedback);
            this.permit = null;
        }
    }

    /**
     * Gives the permit back once the lock is let go: a release hands freed permits to
     * other forwards, whose work must not run under this one's lock.
     */
    private void giveBack(Permit released, Feedback feedback) {
        if (this.released != null) {
            this.released.release(this.releasedFeedback);
        }
        this.released = released;
        this.releasedFeedback = feedback;
    }

    /** Ends the attempt's span without an outcome: the attempt was cut short. */
    private void endSpan(int status) {
        if (this.span != null) {
            DumpTracing.attempted(this.span, status, null);
            this.span = null;
        }
    }

    /**
     * An attempt this forward refused itself, before the wire: never retried, and it
     * tells the adaptive limit nothing.
     */
    static AttemptResult refusal(Outcome outcome, String detail) {
        return new AttemptResult(new ForwardResult(outcome, detail), false, Feedback.IGNORE);
    }

    /** Gives back a permit and hands the result out, once, outside the lock. */
    private void handOut() {
        ForwardResult settled;
        Permit permit;
        Feedback feedback;
        synchronized (this) {
            settled = this.result;
            this.result = null;
            permit = this.released;
            feedback = this.releasedFeedback;
            this.released = null;
        }
        if (permit != null) {
            permit.release(feedback);
        }
        if (settled != null) {
            this.sink.success(settled);
        }
    }

    /** Where a forward goes: the collector, or the warm-up's sink. */
    record Route(Exchange exchange, CircuitBreaker breaker, boolean counted) {
    }

    private enum State {

        STARTING, PAUSED, TOKENS, PERMIT, WIRE, HELD, BACKING_OFF, AWAITING_ROOM, SETTLED;

        boolean isBetweenAttempts() {
            return this == PAUSED || this == HELD || this == BACKING_OFF || this == AWAITING_ROOM;
        }

    }

    /**
     * One attempt on the wire: the exchange's subscriber, and the status it was answered.
     */
    private final class Wire extends BaseSubscriber<Void> implements IntConsumer {

        /** The breaker's clock when the attempt went out. */
        final long started;

        /** The status of the collector's answer; 0 until one is read. */
        volatile int status;

        Wire(long started) {
            this.started = started;
        }

        @Override
        public void accept(int answeredWith) {
            this.status = answeredWith;
        }

        @Override
        protected void hookOnComplete() {
            answered(this, null);
        }

        @Override
        protected void hookOnError(Throwable error) {
            answered(this, error);
        }

    }

}
