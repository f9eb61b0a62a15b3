package org.icbd.rcs.bench.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReaderFuzzTest {

    @Test
    void noReaderAcceptsABadInputOrCrashes() {
        Map<String, Tally> tallies = new ReaderFuzz(new SplittableRandom(15), List.of("ubuntu")).run(40_000);
        StringBuilder findings = new StringBuilder();
        long inputs = 0;
        for (Tally t : tallies.values()) {
            inputs += t.inputs;
            System.out.printf("%-50s in=%d acc=%d rej=%d bad=%d crash=%d rejgood=%d%n", t.reader, t.inputs, t.accepted,
                    t.rejected, t.acceptedBad, t.crashed, t.rejectedGood);
            t.findings.forEach(f -> findings.append(t.reader).append(": ").append(f).append('\n'));
            assertTrue(t.rejected > 0 && t.accepted > 0, t.reader + " saw both verdicts");
        }
        System.out.println(findings);
        assertEquals(40_000, inputs);
        assertEquals(0, tallies.values().stream().mapToLong(t -> t.acceptedBad + t.crashed + t.rejectedGood).sum(),
                findings.toString());
    }
}
