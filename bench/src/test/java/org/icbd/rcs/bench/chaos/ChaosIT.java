package org.icbd.rcs.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short {@code icbd chaos}: twelve faults on a fleet of real processes, a small dataset. */
class ChaosIT {

    private static final Pattern LAST = Pattern.compile("(?m)^chaos: faults=(\\d+) converged=(\\d+) violations=(\\d+) "
            + "lost=(\\d+) partial_visible=(\\d+) median_converge_s=(\\d+) max_converge_s=(\\d+)$");

    @TempDir
    Path work;

    @Test
    void twelveFaultsConvergeAndNothingIncompleteIsEverVisible() throws Exception {
        StringWriter text = new StringWriter();
        int exit = new ChaosRun(new ChaosRun.Settings(12, 15, work.resolve("fleet"), 60, 8L << 20,
                Duration.ofMinutes(2), List.of("replica-kill", "replica-term", "master-kill", "master-term",
                "planner-kill", "planner-term", "broker-kill", "broker-term", "link-cut", "link-crawl",
                "wire-corrupt", "disk-full")), new PrintWriter(text, true)).run();
        String out = text.toString();
        System.out.println(out);
        Matcher m = LAST.matcher(out);
        assertTrue(m.find(), out);
        assertTrue(out.strip().endsWith(m.group()), "the summary is the last line:\n" + out);
        assertEquals("12", m.group(1), out);
        assertEquals("0", m.group(3), "violations\n" + out);
        assertEquals("0", m.group(4), "lost\n" + out);
        assertEquals("0", m.group(5), "partial_visible\n" + out);
        assertEquals("12", m.group(2), "converged\n" + out);
        assertEquals(0, exit, out);
    }
}
