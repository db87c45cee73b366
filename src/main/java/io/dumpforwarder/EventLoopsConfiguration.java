package io.dumpforwarder;

import reactor.netty.resources.LoopResources;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The application's event loops, for the ingest server, the management server and the
 * collector client alike: {@value #PREFIX}, as many as
 * {@code reactor.netty.ioWorkerCount} (one per core, set in {@code main}). Not Reactor
 * Netty's global loops: stopping an application context stops its own loops only, so a
 * context closed beside others (a test's) never stops theirs.
 */
@Configuration(proxyBeanMethods = false)
class EventLoopsConfiguration {

    static final String PREFIX = "dump-forwarder-http";

    @Bean(destroyMethod = "dispose")
    LoopResources eventLoops() {
        return LoopResources.create(PREFIX);
    }

    @Bean
    ReactorResourceFactory reactorResourceFactory(LoopResources eventLoops) {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        factory.setLoopResources(eventLoops);
        return factory;
    }

}
