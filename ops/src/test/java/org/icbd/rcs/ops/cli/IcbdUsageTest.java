package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad usage exits 2, whatever help or version option follows it; the version is for {@code icbd --version}. */
class IcbdUsageTest {

    @Test
    void aMistypedSubcommandFollowedByVersionFailsNamingIt() {
        CliRun run = CliRun.of("retier", "--image", "x", "--version", "3");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("unknown subcommand 'retier'"), run.err());
        assertFalse(run.out().contains(Version.current()), "no version printed: " + run.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"retier", "retier --help", "retier --version", "master srve --version",
            "publish --image x --version 3", "--version extra", "status --version"})
    void anythingButVersionAloneIsBadUsage(String line) {
        CliRun run = CliRun.of(line.split(" "));
        assertEquals(2, run.exitCode(), line + ": " + run.err());
        assertFalse(run.out().contains(Version.current()), line + " printed the version: " + run.out());
    }

    @Test
    void versionAlonePrintsTheVersion() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(Version.current(), run.out().strip());
    }

    @Test
    void helpStillWorks() {
        CliRun run = CliRun.of("--help");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("publish"), run.out());
        assertEquals(0, CliRun.of("publish", "--help").exitCode());
        assertEquals(0, CliRun.of("help", "publish").exitCode());
    }
}
