package io.dumpforwarder.support;

import java.time.Instant;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

/**
 * Certificates made in a test: a CA valid for a day around now, and certificates it
 * issues for a server ({@code localhost}) or a client.
 */
public final class TestPki {

    private TestPki() {
    }

    public static X509Bundle ca(String name) throws Exception {
        return valid(new CertificateBuilder().subject("CN=" + name).setIsCertificateAuthority(true)).buildSelfSigned();
    }

    public static X509Bundle server(X509Bundle ca) throws Exception {
        return valid(new CertificateBuilder().subject("CN=localhost")
            .addSanDnsName("localhost")
            .addExtendedKeyUsageServerAuth()).buildIssuedBy(ca);
    }

    public static X509Bundle client(X509Bundle ca, String name) throws Exception {
        return valid(new CertificateBuilder().subject("CN=" + name).addExtendedKeyUsageClientAuth()).buildIssuedBy(ca);
    }

    private static CertificateBuilder valid(CertificateBuilder builder) {
        Instant now = Instant.now();
        return builder.ecp256().notBefore(now.minusSeconds(3600)).notAfter(now.plusSeconds(86400));
    }

}
