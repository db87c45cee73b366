package io.dumpforwarder.collector;

import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;

/**
 * The TLS of connections to the collector, from the SSL bundle of
 * {@code forwarder.client.ssl-bundle}, following the bundle's updates
 * ({@code spring.ssl.bundle.*.reload-on-update}). Reactor Netty's client keeps one
 * {@link SslContext} for its life, so this one builds a context from the bundle's latest
 * content and gives each new connection an engine of it; a connection already open keeps
 * the certificate it was opened with until it closes,
 * {@code forwarder.client.max-lifetime} at most. An update that cannot be used leaves the
 * previous context in use; both are logged and counted.
 */
final class CollectorSslContext extends SslContext {

    private static final Logger logger = LoggerFactory.getLogger(CollectorSslContext.class);

    private final Counter reloaded;

    private final Counter failed;

    private volatile SslContext current;

    CollectorSslContext(SslBundles bundles, String name, MeterRegistry registry) throws SSLException {
        this.current = build(bundles.getBundle(name));
        this.reloaded = reloads(registry, "reloaded");
        this.failed = reloads(registry, "failed");
        bundles.addBundleUpdateHandler(name, (bundle) -> update(name, bundle));
    }

    /** On Spring Boot's watcher thread, once the bundle's files changed and settled. */
    private void update(String name, SslBundle bundle) {
        try {
            this.current = build(bundle);
            this.reloaded.increment();
            logger.info("SSL bundle {} reloaded: new connections to the collector use it", name);
        }
        catch (SSLException | RuntimeException ex) {
            this.failed.increment();
            logger.warn("SSL bundle {} reloaded but cannot be used, new connections to the collector keep the "
                    + "previous one: {}", name, ex.toString());
        }
    }

    private static Counter reloads(MeterRegistry registry, String result) {
        return Counter.builder("dumps.client.ssl.bundle.reloads")
            .description("Updates of the SSL bundle of forwarder.client.ssl-bundle, by result (failed: it could "
                    + "not be used, and new connections to the collector keep the previous one)")
            .tag("result", result)
            .register(registry);
    }

    /** The client context Spring Boot's own {@code ReactorHttpClientBuilder} builds. */
    private static SslContext build(SslBundle bundle) throws SSLException {
        SslOptions options = bundle.getOptions();
        return SslContextBuilder.forClient()
            .keyManager(bundle.getManagers().getKeyManagerFactory())
            .trustManager(bundle.getManagers().getTrustManagerFactory())
            .ciphers(SslOptions.asSet(options.getCiphers()))
            .protocols(options.getEnabledProtocols())
            .build();
    }

    @Override
    public boolean isClient() {
        return true;
    }

    @Override
    public List<String> cipherSuites() {
        return this.current.cipherSuites();
    }

    @Override
    public long sessionCacheSize() {
        return this.current.sessionCacheSize();
    }

    @Override
    public long sessionTimeout() {
        return this.current.sessionTimeout();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
        return this.current.applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator allocator) {
        return this.current.newEngine(allocator);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator allocator, String peerHost, int peerPort) {
        return this.current.newEngine(allocator, peerHost, peerPort);
    }

    @Override
    public SSLSessionContext sessionContext() {
        return this.current.sessionContext();
    }

}
