package io.dumpforwarder.forward;

import org.springframework.http.HttpStatusCode;

/** The downstream answered with a status other than 2xx; the circuit breaker records it as a failure. */
public class DownstreamStatusException extends RuntimeException {

    private final HttpStatusCode status;

    DownstreamStatusException(HttpStatusCode status) {
        super("downstream answered HTTP " + status.value(), null, false, false);
        this.status = status;
    }

    HttpStatusCode status() {
        return this.status;
    }

}
