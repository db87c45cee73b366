package io.dumpforwarder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import javax.net.ssl.SSLContext;

import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TestCollector;
import io.dumpforwarder.support.TestPki;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * h2 by ALPN when the ingest port has TLS (a Spring Boot SSL bundle of certificates made
 * in the test), with the JDK's own HTTP/2 client: dumps are accepted and refused per
 * stream, and HTTP/1.1 still works on the same port; each connection is counted by the
 * protocol ALPN chose.
 */
class Http2TlsTests {

    private static final TestCollector collector = new TestCollector();

    private static RunningApp app;

    private static SSLContext trust;

    @BeforeAll
    static void start() throws Exception {
        X509Bundle ca = TestPki.ca("dump-forwarder ingest test CA");
        X509Bundle server = TestPki.server(ca);
        trust = SSLContext.getInstance("TLS");
        trust.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
        app = RunningApp.start("--forwarder.dump-url=" + collector.url(), "--server.ssl.bundle=ingest",
                "--spring.ssl.bundle.pem.ingest.keystore.certificate=file:" + server.toTempCertChainPem(),
                "--spring.ssl.bundle.pem.ingest.keystore.private-key=file:" + server.toTempPrivateKeyPem());
    }

    @AfterAll
    static void stop() {
        app.close();
        collector.close();
    }

    @Test
    void h2ByAlpnAcceptsAndRefusesPerStreamBesideHttp11() throws Exception {
        Meters meters = app.meters();
        double h2 = meters.count("dumps.ingest.connections.opened", "protocol", "h2");
        double http11 = meters.count("dumps.ingest.connections.opened", "protocol", "http/1.1");

        HttpClient h2Client = client(HttpClient.Version.HTTP_2);
        HttpResponse<String> accepted = h2Client.send(post("application/json", "{\"uid\":\"over-h2\"}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(accepted.statusCode()).isEqualTo(202);
        HttpResponse<String> refused = h2Client.send(post("text/plain", "{}"), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(refused.statusCode()).isEqualTo(415);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<String> overHttp11 = client(HttpClient.Version.HTTP_1_1)
            .send(post("application/json", "{\"uid\":\"over-h1\"}"), HttpResponse.BodyHandlers.ofString());
        assertThat(overHttp11.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(overHttp11.statusCode()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(10)).until(() -> collector.requestCount() == 2);
        assertThat(collector.requests()).extracting(TestCollector.Request::text)
            .containsExactlyInAnyOrder("{\"uid\":\"over-h2\"}", "{\"uid\":\"over-h1\"}");
        assertThat(meters.count("dumps.ingest.connections.opened", "protocol", "h2")).isEqualTo(h2 + 1);
        assertThat(meters.count("dumps.ingest.connections.opened", "protocol", "http/1.1")).isEqualTo(http11 + 1);
    }

    private static HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(trust).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpRequest post(String contentType, String body) {
        return HttpRequest.newBuilder(URI.create("https://localhost:" + app.port() + "/v1/dumps"))
            .header("Content-Type", contentType)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    }

}
