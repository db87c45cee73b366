package io.dumpforwarder;

import io.dumpforwarder.support.TestCollector;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The real application forwarding to a real collector. Subclasses bring their settings;
 * each test starts with the pipeline idle and the collector answering 204 at once with
 * nothing recorded.
 * <p>
 * Choosing a base for a new test: a test of the running service extends this class and
 * joins the test class whose settings it needs (each distinct set of settings starts one
 * more application, cached for the run); it declares new settings only for a behaviour
 * that the defaults, or an existing class's settings, cannot show. A test that needs a
 * collector of its own extends {@link AbstractAppTests}; one that starts, stops or fails
 * to start the application itself uses {@code support.RunningApp}; one of a single class,
 * without the application, needs no base.
 */
public abstract class AbstractServiceTests extends AbstractAppTests {

    /**
     * The breaker never has enough calls to judge, so a test of something else never sees
     * it open.
     */
    protected static final String BREAKER_NEVER_OPENS = "resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=1000000";

    /**
     * One collector for every test class: each class has its own application, all idle
     * between tests.
     */
    protected static final TestCollector collector = new TestCollector();

    @DynamicPropertySource
    static void forwardToTheTestCollector(DynamicPropertyRegistry registry) {
        registry.add("forwarder.dump-url", collector::url);
    }

    @BeforeEach
    void idleWithAFreshCollector() {
        awaitIdle();
        collector.reset();
    }

}
