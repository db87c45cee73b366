package io.dumpforwarder;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.net.ssl.SSLPeerUnverifiedException;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.SecretVolume;
import io.dumpforwarder.support.TestPki;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslHandler;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An https collector that requires a client certificate from one of its two CAs and
 * closes each connection after its answer, with certificates made in the test: mutual TLS
 * works through a Spring Boot SSL bundle, and once the bundle's files are renewed, new
 * connections present the renewed certificate; without a bundle the JVM's trust store is
 * used, so the test CA is not trusted; a bundle without a client certificate is refused
 * by the collector.
 */
class CollectorTlsTests {

    private static final LoopResources loops = LoopResources.create("tls-collector", 1, true);

    private static final Queue<String> received = new ConcurrentLinkedQueue<>();

    /** The subject of the client certificate of each request received, in order. */
    private static final Deque<String> subjects = new ConcurrentLinkedDeque<>();

    private static X509Bundle ca;

    private static X509Bundle client;

    private static X509Bundle renewed;

    private static DisposableServer collector;

    private static File caPem;

    private static File clientCertificatePem;

    private static File clientKeyPem;

    @BeforeAll
    static void pki() throws Exception {
        ca = TestPki.ca("dump-forwarder test CA");
        X509Bundle renewedCa = TestPki.ca("dump-forwarder renewed CA");
        X509Bundle server = TestPki.server(ca);
        client = TestPki.client(ca, "dump-forwarder");
        renewed = TestPki.client(renewedCa, "dump-forwarder-renewed");
        caPem = ca.toTempRootCertPem();
        clientCertificatePem = client.toTempCertChainPem();
        clientKeyPem = client.toTempPrivateKeyPem();
        Http11SslContextSpec tls = Http11SslContextSpec.forServer(server.toKeyManagerFactory())
            .configure((builder) -> builder.trustManager(ca.getCertificate(), renewedCa.getCertificate())
                .clientAuth(ClientAuth.REQUIRE));
        collector = HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .runOn(loops)
            .secure((spec) -> spec.sslContext(tls))
            .handle(CollectorTlsTests::receive)
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
        subjects.clear();
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
    void newConnectionsPresentTheRenewedCertificateOnceTheBundlesFilesChange() throws Exception {
        SecretVolume volume = new SecretVolume(Map.of("ca.crt", ca.getCertificatePEM(), "tls.crt",
                client.getCertificatePathPEM(), "tls.key", client.getPrivateKeyPEM()));
        try (RunningApp app = RunningApp.start("--forwarder.dump-url=https://localhost:" + collector.port() + "/dumps",
                "--forwarder.client.ssl-bundle=collector", "--spring.ssl.bundle.pem.collector.reload-on-update=true",
                "--spring.ssl.bundle.watch.file.quiet-period=100ms",
                "--spring.ssl.bundle.pem.collector.truststore.certificate=file:" + volume.file("ca.crt"),
                "--spring.ssl.bundle.pem.collector.keystore.certificate=file:" + volume.file("tls.crt"),
                "--spring.ssl.bundle.pem.collector.keystore.private-key=file:" + volume.file("tls.key"))) {
            assertThat(deliverOne(app)).isEqualTo("CN=dump-forwarder");

            volume.update(Map.of("ca.crt", ca.getCertificatePEM(), "tls.crt", renewed.getCertificatePathPEM(),
                    "tls.key", renewed.getPrivateKeyPEM()));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                app.postJson("{\"uid\":\"renewal\"}").expectStatus().isAccepted();
                return "CN=dump-forwarder-renewed".equals(subjects.peekLast());
            });
            Meters meters = app.meters();
            await().atMost(Duration.ofSeconds(10)).until(meters::idle);

            assertThat(meters.forwarded("success")).isEqualTo(meters.forwardedTotal());
            assertThat(meters.count("dumps.client.ssl.bundle.reloads", "result", "reloaded")).isPositive();
            for (int i = 0; i < 3; i++) {
                assertThat(deliverOne(app)).isEqualTo("CN=dump-forwarder-renewed");
            }
        }
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
     * Sends one dump through the running app and waits for the collector to receive it;
     * tells the subject of the client certificate it came with.
     */
    private static String deliverOne(RunningApp app) {
        int before = subjects.size();
        app.postJson("{\"uid\":\"tls\"}").expectStatus().isAccepted();
        await().atMost(Duration.ofSeconds(10)).until(() -> subjects.size() > before);
        return subjects.peekLast();
    }

    /**
     * Records the request's body and the subject of the client certificate it came with,
     * answers 204 and closes the connection.
     */
    private static Mono<Void> receive(HttpServerRequest request, HttpServerResponse response) {
        String subject = subject(request);
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).doOnNext((body) -> {
            subjects.add(subject);
            received.add(body);
        }).then(response.keepAlive(false).status(204).send());
    }

    private static String subject(HttpServerRequest request) {
        String[] subject = new String[1];
        request.withConnection((connection) -> {
            try {
                subject[0] = ((X509Certificate) connection.channel()
                    .pipeline()
                    .get(SslHandler.class)
                    .engine()
                    .getSession()
                    .getPeerCertificates()[0]).getSubjectX500Principal().getName();
            }
            catch (SSLPeerUnverifiedException ex) {
                subject[0] = "none";
            }
        });
        return subject[0];
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
