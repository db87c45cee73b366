package io.dumpforwarder;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestPki;
import io.netty.handler.ssl.ClientAuth;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An https collector that requires a client certificate from its own CA, with
 * certificates made in the test: mutual TLS works through a Spring Boot SSL bundle;
 * without a bundle the JVM's trust store is used, so the test CA is not trusted; a bundle
 * without a client certificate is refused by the collector.
 */
class CollectorTlsTests {

    private static final LoopResources loops = LoopResources.create("tls-collector", 1, true);

    private static final Queue<String> received = new ConcurrentLinkedQueue<>();

    private static DisposableServer collector;

    private static File caPem;

    private static File clientCertificatePem;

    private static File clientKeyPem;

    @BeforeAll
    static void pki() throws Exception {
        X509Bundle ca = TestPki.ca("dump-forwarder test CA");
        X509Bundle server = TestPki.server(ca);
        X509Bundle client = TestPki.client(ca, "dump-forwarder");
        caPem = ca.toTempRootCertPem();
        clientCertificatePem = client.toTempCertChainPem();
        clientKeyPem = client.toTempPrivateKeyPem();
        Http11SslContextSpec tls = Http11SslContextSpec.forServer(server.toKeyManagerFactory())
            .configure((builder) -> builder.trustManager(ca.toTrustManagerFactory()).clientAuth(ClientAuth.REQUIRE));
        collector = HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .runOn(loops)
            .secure((spec) -> spec.sslContext(tls))
            .handle((request, response) -> request.receive()
                .aggregate()
                .asString(StandardCharsets.UTF_8)
                .doOnNext(received::add)
                .then(response.status(204).send()))
            .bindNow();
    }

    @AfterAll
    static void close() {
        collector.disposeNow();
        loops.dispose();
    }

    @BeforeEach
    void reset() {
        received.clear();
    }

    @Test
    void deliversOverMutualTlsWithTheSslBundle() {
        List<String> bundle = List.of("--forwarder.client.ssl-bundle=collector",
                "--spring.ssl.bundle.pem.collector.truststore.certificate=file:" + caPem,
                "--spring.ssl.bundle.pem.collector.keystore.certificate=file:" + clientCertificatePem,
                "--spring.ssl.bundle.pem.collector.keystore.private-key=file:" + clientKeyPem);

        String outcome = forwardOne(bundle);

        assertThat(outcome).isEqualTo("success");
        assertThat(received).containsExactly("{\"uid\":\"tls\"}");
    }

    @Test
    void trustsOnlyTheJvmTrustStoreWithoutABundle() {
        String outcome = forwardOne(List.of());

        assertThat(outcome).isEqualTo("connect_error");
        assertThat(received).isEmpty();
    }

    @Test
    void isRefusedWithoutAClientCertificateWhereOneIsRequired() {
        List<String> caOnly = List.of("--forwarder.client.ssl-bundle=collector",
                "--spring.ssl.bundle.pem.collector.truststore.certificate=file:" + caPem);

        String outcome = forwardOne(caOnly);

        assertThat(outcome).isIn("connect_error", "error");
        assertThat(received).isEmpty();
    }

    /**
     * Starts the app with these arguments, forwards one dump over https, and tells its
     * outcome.
     */
    private static String forwardOne(List<String> arguments) {
        List<String> all = new ArrayList<>(
                List.of("--forwarder.dump-url=https://localhost:" + collector.port() + "/dumps"));
        all.addAll(arguments);
        try (RunningApp app = RunningApp.start(all.toArray(String[]::new))) {
            Meters meters = app.meters();
            app.postJson("{\"uid\":\"tls\"}").expectStatus().isAccepted();
            await().atMost(Duration.ofSeconds(10)).until(() -> meters.forwardedTotal() == 1);
            return List.of("success", "connect_error", "error", "timeout")
                .stream()
                .filter((outcome) -> meters.forwarded(outcome) == 1)
                .findFirst()
                .orElse("other");
        }
    }

}
