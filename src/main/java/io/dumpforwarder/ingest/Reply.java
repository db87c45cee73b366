package io.dumpforwarder.ingest;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * One answer of the ingest API, its body already encoded.
 *
 * @param outcome what ingest did with the request; a refusal's status and problem title
 * @param body the JSON body: a count for 202, else an RFC 9457 problem
 * @param keepAlive whether the connection may serve another request (false: its body was
 * not read to the end)
 */
record Reply(Received outcome, byte[] body, boolean keepAlive) {

    HttpResponseStatus status() {
        return HttpResponseStatus.valueOf(this.outcome.status().value());
    }

    boolean isProblem() {
        return this.outcome != Received.ACCEPTED;
    }

    /**
     * The same answer, on a connection closed after it unless the request's body was read
     * through.
     */
    Reply drained(boolean drained) {
        return (drained || !this.keepAlive) ? this : new Reply(this.outcome, this.body, false);
    }

}
