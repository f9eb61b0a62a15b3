package org.icbd.rcs.bench.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icbd.rcs.bench.cli.IcbdTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code icbd simulate} in short: 200 simulated replicas on 3 of 20 images each, two versions,
 * through a real planner (child JVM) on a local broker (child JVM) it starts itself.
 */
class SimulateCommandIT {

    private static final Pattern LAST = Pattern.compile(
            "simulate: replicas=(\\d+) images=(\\d+) tasks=(\\d+) p50_ms=(\\d+) p99_ms=(\\d+) false_offline=(\\d+)"
                    + " converged=(yes|no)");

    @TempDir
    Path work;

    @Test
    void twoHundredReplicasFollowTwoVersionsAndTheLastLineSaysSo() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = IcbdTools.run(new PrintWriter(out, true), new PrintWriter(err, true), "simulate",
                "--replicas", "200", "--images", "20", "--sites", "50", "--versions", "2",
                "--idle", "5s", "--round-timeout", "3m", "--planner-heap", "384m", "--work-dir", work.toString());

        List<String> lines = out.toString().lines().toList();
        String last = lines.get(lines.size() - 1);
        assertEquals(0, exit, out + "\n" + err);
        Matcher m = LAST.matcher(last);
        assertTrue(m.matches(), last);
        assertEquals("200", m.group(1));
        assertEquals("20", m.group(2));
        // One task per pair and version: 200 replicas x 3 images x 2 versions.
        assertEquals(1200, Long.parseLong(m.group(3)), out.toString());
        assertEquals("0", m.group(6));
        assertEquals("yes", m.group(7));
        assertTrue(out.toString().contains("duplicate task ids 0, steps applied out of order 0, missing parents 0"),
                out.toString());
    }

    @Test
    void badOptionsAreRefusedNamingThem() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = IcbdTools.run(new PrintWriter(out, true), new PrintWriter(err, true), "simulate",
                "--replicas", "10", "--planners", "3");
        assertEquals(2, exit);
        assertTrue(err.toString().contains("--planners must be 1 or 2, got 3"), err.toString());

        err.getBuffer().setLength(0);
        exit = IcbdTools.run(new PrintWriter(out, true), new PrintWriter(err, true), "simulate",
                "--replicas", "0", "--work-dir", work.toString());
        assertEquals(2, exit);
        assertTrue(err.toString().contains("replicas must be at least 1, got 0"), err.toString());
    }
}
