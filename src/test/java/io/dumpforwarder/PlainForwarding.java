package io.dumpforwarder;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.test.context.TestPropertySource;

/**
 * The settings of the test classes that watch plain forwarding, so they share one
 * application: one attempt per forward, a breaker that never opens, at most 4 forwards in
 * flight, a 100 ms response timeout, pauses capped at 2 s, at most 2 failure lines logged
 * per second, and the loggers endpoint exposed.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@TestPropertySource(properties = { "forwarder.retry.enabled=false", AbstractServiceTests.BREAKER_NEVER_OPENS,
        "forwarder.max-concurrency=4", "forwarder.client.response-timeout=100ms", "forwarder.retry-after.max=2s",
        "forwarder.log.failures-per-second=2",
        "management.endpoints.web.exposure.include=health,info,prometheus,openapi,loggers" })
@interface PlainForwarding {

}
