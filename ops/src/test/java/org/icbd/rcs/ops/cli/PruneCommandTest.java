package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PruneCommandTest {

    @Test
    void theIssuesExampleAsJson() {
        // r1's next parent is 4, its newest held version, so 2 is not protected.
        CliRun run = CliRun.of("prune", "--history", "1,2,x3,4,5", "--have", "r1=2,4", "--have", "r2=5",
                "--keep", "2", "--json");

        assertEquals(0, run.exitCode(), run::err);
        assertEquals("{\"delete\":[1,2],\"keep\":["
                + "{\"version\":4,\"why\":\"one of the newest 2 live versions; next parent of r1\",\"nextParentOf\":[\"r1\"]},"
                + "{\"version\":5,\"why\":\"the newest live version; next parent of r2\",\"nextParentOf\":[\"r2\"]}],"
                + "\"reseed\":[],\"lapsed\":[]}\n", run.out());
    }

    @Test
    void aReplicaOfflineBeyondTheLimitProtectsNothingAndWillReseed() {
        CliRun run = CliRun.of("prune", "--history", "1,2,3,4,5", "--have", "r1=2", "--have", "r3=",
                "--offline-beyond", "r1", "--keep", "2", "--json");

        assertEquals(0, run.exitCode(), run::err);
        assertEquals("{\"delete\":[1,2,3],\"keep\":["
                + "{\"version\":4,\"why\":\"one of the newest 2 live versions\",\"nextParentOf\":[]},"
                + "{\"version\":5,\"why\":\"the newest live version\",\"nextParentOf\":[]}],"
                + "\"reseed\":[\"r1\"],\"lapsed\":[\"r1\"]}\n", run.out());
    }

    @Test
    void printsATableByDefault() {
        CliRun run = CliRun.of("prune", "--history", "1,2,x3,4,5", "--have", "r1=2,4", "--have", "r2=5",
                "--have", "r9=1", "--offline-beyond", "r9", "--keep", "2");

        assertEquals(0, run.exitCode(), run::err);
        assertEquals("""
                version   decision  why
                1         delete    beyond the newest 2 live versions, and no subscribed replica's next parent
                2         delete    beyond the newest 2 live versions, and no subscribed replica's next parent
                x3        retired   already retired: nothing to delete
                4         keep      one of the newest 2 live versions; next parent of r1
                5         keep      the newest live version; next parent of r2
                r9 is OFFLINE past the limit and protects nothing: none of its versions stays on the master, \
                it will re-seed (a full send)
                """, run.out());
    }

    @Test
    void keepLargerThanTheHistoryDeletesNothing() {
        CliRun run = CliRun.of("prune", "--history", "1,2", "--keep", "5", "--json");

        assertEquals(0, run.exitCode(), run::err);
        assertTrue(run.out().startsWith("{\"delete\":[],"), run::out);
    }

    @Test
    void badInputExitsTwoNamingTheBadPart() {
        assertBad("--history: history entry 3 'y3' is not a version",
                "prune", "--history", "1,2,y3", "--keep", "2");
        assertBad("--history: versions must be strictly increasing", "prune", "--history", "3,2", "--keep", "1");
        assertBad("--have r1: 'r1' is not REPLICA=VERSIONS", "prune", "--history", "1,2", "--have", "r1", "--keep", "1");
        assertBad("--have r1=2,x4: held versions of r1: entry 2 'x4' is not a version",
                "prune", "--history", "1,2", "--have", "r1=2,x4", "--keep", "1");
        assertBad("--have R1=2: replicaId 'R1' is not a valid name",
                "prune", "--history", "1,2", "--have", "R1=2", "--keep", "1");
        assertBad("--have: replicas must not repeat a replica, but r1 appears twice",
                "prune", "--history", "1,2", "--have", "r1=1", "--have", "r1=2", "--keep", "1");
        assertBad("--offline-beyond r9: no --have names replica r9",
                "prune", "--history", "1,2", "--have", "r1=1", "--offline-beyond", "r9", "--keep", "1");
        assertBad("--keep must be at least 1, got 0", "prune", "--history", "1,2", "--keep", "0");
        assertBad("give either --history (offline) or --pool with --image (on the master), not both or neither",
                "prune", "--keep", "1");
        assertBad("give either --history (offline) or --pool with --image (on the master), not both or neither",
                "prune", "--history", "1,2", "--pool", "/srv/icbd", "--image", "i", "--keep", "1");
        assertBad("--pool needs --image", "prune", "--pool", "/srv/icbd", "--keep", "1");
        assertBad("--have and --offline-beyond go with --history",
                "prune", "--pool", "/srv/icbd", "--image", "i", "--have", "r1=1", "--keep", "1");
        assertBad("--image and --dry-run go with --pool", "prune", "--history", "1,2", "--dry-run", "--keep", "1");
        assertBad("Missing required option: '--keep=N'", "prune", "--history", "1");
    }

    @Test
    void helpShowsExamples() {
        CliRun run = CliRun.of("prune", "--help");

        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("icbd prune --history 1,2,x3,4,5 --have r1=2,4 --have r2=5 --keep 2"), run::out);
    }

    private static void assertBad(String expected, String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(2, run.exitCode(), () -> String.join(" ", args) + ": " + run.out() + run.err());
        assertTrue(run.err().contains(expected), () -> String.join(" ", args) + ": " + run.err());
    }
}
