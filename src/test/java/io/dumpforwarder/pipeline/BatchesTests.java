package io.dumpforwarder.pipeline;

import java.util.List;

import io.dumpforwarder.dump.Dump;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchesTests {

    @Test
    void cutsWhereTheNextDumpWouldPassTheByteLimitCountingNewlines() {
        // 9 + 1 bytes each: three fit in 30 bytes, a fourth would not.
        List<Dump> dumps = List.of(dump(9), dump(9), dump(9), dump(9), dump(9));

        assertThat(Batches.split(dumps, 30)).extracting(List::size).containsExactly(3, 2);
        assertThat(Batches.split(dumps, 29)).extracting(List::size).containsExactly(2, 2, 1);
    }

    @Test
    void keepsOrderAndSendsAnOversizedDumpAlone() {
        Dump small = dump(5);
        Dump large = dump(50);
        Dump last = dump(5);

        assertThat(Batches.split(List.of(small, large, last), 20)).containsExactly(List.of(small), List.of(large),
                List.of(last));
    }

    private static Dump dump(int size) {
        return new Dump(new byte[size], null, null, null, 0, "k", null, "default");
    }

}
