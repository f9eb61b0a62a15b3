package org.icbd.rcs.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code icbd bench} flags, without running anything. */
class BenchCommandTest {

    @Test
    void helpShowsExamplesAndHidesTheSites() {
        CliRun help = CliRun.of("bench", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("Examples"), help.out());
        assertTrue(help.out().contains("--cases"), help.out());
        assertFalse(help.out().contains("master-site"), help.out());
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheFlag() {
        for (String[] args : new String[][] {
                {"bench", "--size", "10M"},
                {"bench", "--cases", "raw,wan"},
                {"bench", "--rate", "fast"},
                {"bench", "--repeat", "0"},
                {"bench", "--max-pull-rate", "100"},
                {"bench", "--cases", "fanout,resumed"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.err().contains(args[1]), run.err());
        }
    }

    @Test
    void theBenchOwnPullerAndItsKnobsAreGone() {
        // The replica site runs the production step runner only: these served a second copy of the step.
        for (String[] args : new String[][] {
                {"bench", "--puller", "bench"},
                {"bench", "--cipher", "aes256-gcm@openssh.com"},
                {"bench", "--kex", "curve25519-sha256"},
                {"bench", "--window", "8M"}}) {
            CliRun run = CliRun.of(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.err().contains(args[1]), run.err());
        }
        CliRun help = CliRun.of("bench", "--help");
        assertFalse(help.out().contains("--puller"), help.out());
    }
}
