package io.dumpforwarder.collector;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;

import io.dumpforwarder.dump.Dump;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DumpBodiesTests {

    private final List<Dump> dumps = List.of(dump("{\"uid\":1}"), dump("{\"uid\":\"\u00fc\"}"), dump("[]"));

    @Test
    void ndjsonIsEveryDumpFollowedByANewline() {
        ByteBuf body = DumpBodies.ndjson(this.dumps);

        assertThat(body.toString(StandardCharsets.UTF_8)).isEqualTo("{\"uid\":1}\n{\"uid\":\"\u00fc\"}\n[]\n");
    }

    @Test
    void gzipDecodesToTheNdjsonOrToTheOneDump() throws IOException {
        assertThat(gunzip(DumpBodies.gzip(this.dumps, true))).isEqualTo("{\"uid\":1}\n{\"uid\":\"\u00fc\"}\n[]\n");
        assertThat(gunzip(DumpBodies.gzip(List.of(this.dumps.get(1)), false))).isEqualTo("{\"uid\":\"\u00fc\"}");
    }

    private static String gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Dump dump(String json) {
        return new Dump(json.getBytes(StandardCharsets.UTF_8), null, null, null, 0, "k", null, "default");
    }

}
