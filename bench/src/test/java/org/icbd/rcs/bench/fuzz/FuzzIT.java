package org.icbd.rcs.bench.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short {@code icbd fuzz}: readers in process, SSH to a real master, poison into a running fleet. */
class FuzzIT {

    private static final Pattern LAST = Pattern.compile(
            "(?m)^fuzz: inputs=(\\d+) accepted_bad=(\\d+) crashed=(\\d+) dead_lettered=(\\d+)$");

    @TempDir
    Path work;

    @Test
    void nothingBadIsAcceptedNothingCrashesAndEveryPoisonRecordIsDeadLettered() throws Exception {
        StringWriter text = new StringWriter();
        int exit = new FuzzRun(new FuzzRun.Settings(4_000, 15, 200, 6, work.resolve("fleet"), Duration.ofMinutes(3)),
                new PrintWriter(text, true)).run();
        String out = text.toString();
        Matcher m = LAST.matcher(out);
        assertTrue(m.find(), out);
        assertTrue(out.strip().endsWith(m.group()), "the summary is the last line:\n" + out);
        // 4,000 in process, 200 over SSH, 6 poison records for each of the 5 consumed record kinds.
        assertEquals(4_000 + 200 + 30, Long.parseLong(m.group(1)), out);
        assertEquals("0", m.group(2), out);
        assertEquals("0", m.group(3), out);
        assertEquals("30", m.group(4), out);
        assertEquals(0, exit, out);
    }
}
