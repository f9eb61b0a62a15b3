package org.icbd.rcs.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short {@code icbd chaos}: twelve faults on a fleet of real processes, each replica in its own
 * network namespace, a small dataset. One round holds every kind once: the kill and the stop of
 * each process, a link cut, a crawl, wire corruption and a full disk.
 */
class ChaosIT {

    private static final Pattern LAST = Pattern.compile("(?m)^chaos: faults=(\\d+) converged=(\\d+) violations=(\\d+) "
            + "lost=(\\d+) partial_visible=(\\d+) median_converge_s=(\\d+) max_converge_s=(\\d+)$");

    @TempDir
    Path work;

    @Test
    void twelveFaultsOfEveryKindConvergeAndNothingIncompleteIsEverVisible() throws Exception {
        List<String> kinds = Arrays.stream(FaultKind.values()).map(FaultKind::label).toList();
        StringWriter text = new StringWriter();
        int exit = new ChaosRun(new ChaosRun.Settings(kinds.size(), 15, work.resolve("fleet"), 30, 4L << 20,
                Duration.ofMinutes(2), kinds, Duration.ofSeconds(3), Duration.ofSeconds(4)),
                new PrintWriter(text, true)).run();
        String out = text.toString();
        System.out.println(out);
        Matcher m = LAST.matcher(out);
        assertTrue(m.find(), out);
        assertTrue(out.strip().endsWith(m.group()), "the summary is the last line:\n" + out);
        for (String kind : kinds) {
            assertTrue(Pattern.compile("(?m)^" + kind + " +1 +1 ").matcher(out).find(),
                    kind + " injected once and converged, in the table:\n" + out);
        }
        assertEquals("12", m.group(1), out);
        assertEquals("0", m.group(3), "violations\n" + out);
        assertEquals("0", m.group(4), "lost\n" + out);
        assertEquals("0", m.group(5), "partial_visible\n" + out);
        assertEquals("12", m.group(2), "converged\n" + out);
        assertEquals(0, exit, out);
    }
}
