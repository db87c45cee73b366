package io.dumpforwarder.collector;

import io.dumpforwarder.concurrency.Feedback;
import io.dumpforwarder.dump.ForwardResult;

/**
 * What one attempt (one request to the collector) came to.
 *
 * @param result its outcome, and why it failed
 * @param retryable whether a later attempt may succeed
 * @param feedback what it tells the adaptive concurrency limit
 */
public record AttemptResult(ForwardResult result, boolean retryable, Feedback feedback) {

    public static final AttemptResult SUCCESS = new AttemptResult(ForwardResult.SUCCESS, false, Feedback.SAMPLE);

}
