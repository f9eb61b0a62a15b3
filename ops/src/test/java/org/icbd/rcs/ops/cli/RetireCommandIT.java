package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.testkit.FakeFleet;
import org.icbd.rcs.testkit.ImageVersionsTopic;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.TestPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code icbd retire} and {@code icbd prune --pool} on a real pool and broker, with a fleet written
 * to the topics as records. Every test uses an image (and replicas) of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetireCommandIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private TestPool pool;
    private String poolDir;
    private FakeFleet fleet;

    @BeforeAll
    void setUp() {
        pool = TestPool.create("retire");
        poolDir = pool.root().toString();
        fleet = new FakeFleet(KAFKA.bootstrapServers());
    }

    @AfterAll
    void tearDown() {
        try {
            if (fleet != null) {
                fleet.close();
            }
        } finally {
            if (pool != null) {
                pool.close();
            }
        }
    }

    /** An image with versions 1..n, each published. */
    private void image(String image, int n) throws IOException {
        assertEquals(0, CliRun.of("image", "init", "--pool", poolDir, "--image", image).exitCode());
        for (int v = 1; v <= n; v++) {
            Files.writeString(pool.root().resolve("images/" + image + "/work/file"), "version " + v);
            CliRun publish = CliRun.of("publish", "--pool", poolDir, "--image", image, "--bootstrap",
                    KAFKA.bootstrapServers(), "--master", "hq", "--verdict-timeout", "0s");
            assertEquals(0, publish.exitCode(), publish.err());
        }
    }

    private CliRun retire(String image, int version, String... more) {
        List<String> args = new ArrayList<>(List.of("retire", "--pool", poolDir, "--image", image,
                "--version", Integer.toString(version), "--bootstrap", KAFKA.bootstrapServers(), "--master", "hq"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private Path snapshot(String image, int version) {
        return pool.root().resolve("images/" + image + "/versions/" + version);
    }

    private List<Integer> retiredInTopic(String image) {
        return ImageVersionsTopic.events(KAFKA.bootstrapServers(), image).stream()
                .filter(ImageVersionRetired.class::isInstance).map(ImageVersionEvent::version).toList();
    }

    @Test
    void theNewestIsRefusedWithExitThreeAndNothingChanges() throws IOException {
        image("newest", 2);

        CliRun run = retire("newest", 2, "--force");

        assertEquals(3, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("version 2 is the newest live version and is never retired"), run.err());
        assertTrue(Files.isDirectory(snapshot("newest", 2)));
        assertEquals(List.of(), retiredInTopic("newest"));
    }

    @Test
    void aProtectedVersionIsRefusedNamingTheReplicaAndForceRetiresIt() throws IOException {
        image("guarded", 3);
        fleet.replica("r-guard", "guarded", 1, 2); // its next parent is 2

        CliRun refused = retire("guarded", 2);

        assertEquals(3, refused.exitCode(), refused.out() + refused.err());
        assertTrue(refused.err().contains("version 2 is the next parent of r-guard")
                && refused.err().contains("--force"), refused.err());
        assertTrue(Files.isDirectory(snapshot("guarded", 2)), "nothing is deleted when refused");
        assertEquals(List.of(), retiredInTopic("guarded"));

        CliRun forced = retire("guarded", 2, "--force");

        assertEquals(0, forced.exitCode(), forced.out() + forced.err());
        assertTrue(forced.out().startsWith("retired guarded version 2 uuid "), forced.out());
        assertTrue(forced.out().contains("it was the next parent of r-guard"), forced.out());
        assertEquals(List.of(2), retiredInTopic("guarded"));
        assertFalse(Files.exists(snapshot("guarded", 2)), "the snapshot is gone");
        assertTrue(Files.isDirectory(snapshot("guarded", 1)) && Files.isDirectory(snapshot("guarded", 3)));

        CliRun again = retire("guarded", 2, "--force");
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("version 2 is already retired"), again.out());
        assertEquals(List.of(2), retiredInTopic("guarded"), "retiring twice publishes nothing more");
    }

    @Test
    void anUnprotectedVersionIsRetiredWithItsStoredStreams() throws IOException {
        image("plain", 3);
        fleet.replica("r-plain", "plain", 3);
        Path streams = Files.createDirectories(pool.root().resolve(".streams/plain"));
        for (String name : List.of("1.lz4", "1-2", "2-3")) {
            Files.writeString(streams.resolve(name), "stream");
        }

        CliRun run = retire("plain", 1);

        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertEquals(List.of(1), retiredInTopic("plain"));
        assertFalse(Files.exists(snapshot("plain", 1)));
        assertEquals(List.of("2-3"), list(streams), "streams of version 1 go, the others stay");
    }

    @Test
    void anUnknownVersionIsAnImageErrorAndAnOfflineReplicaPastTheLimitProtectsNothing() throws IOException {
        image("lapsed", 3);
        fleet.offlineReplica("r-gone", "lapsed", Instant.now().minus(Duration.ofDays(40)), 2);

        CliRun unknown = retire("lapsed", 7);
        assertEquals(1, unknown.exitCode(), unknown.out() + unknown.err());
        assertTrue(unknown.err().contains("version 7 is not in the image's history"), unknown.err());

        CliRun run = retire("lapsed", 2);
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("it was the next parent of r-gone"), run.out());
        assertEquals(List.of(2), retiredInTopic("lapsed"));
    }

    @Test
    void aSnapshotDeletedByHandIsAnnouncedAsRetiredOnce() throws IOException {
        image("byhand", 3);
        new BtrfsTool(new CommandRunner()).deleteSubvolume(snapshot("byhand", 1));

        CliRun first = retire("byhand", 1);
        CliRun second = retire("byhand", 1);

        assertEquals(0, first.exitCode(), first.out() + first.err());
        assertTrue(first.out().contains("(its snapshot was already gone)"), first.out());
        assertEquals(0, second.exitCode(), second.out() + second.err());
        assertTrue(second.out().contains("version 1 is already retired"), second.out());
        assertEquals(List.of(1), retiredInTopic("byhand"));
    }

    @Test
    void pruneOnThePoolKeepsTheNewestAndTheNextParentsAndDryRunDeletesNothing() throws IOException {
        image("trim", 5);
        fleet.replica("r-trim", "trim", 1, 2);

        CliRun dry = CliRun.of("prune", "--pool", poolDir, "--image", "trim", "--keep", "2", "--dry-run", "--json",
                "--bootstrap", KAFKA.bootstrapServers());
        assertEquals(0, dry.exitCode(), dry.out() + dry.err());
        assertTrue(dry.out().contains("\"delete\":[1,3]"), dry.out());
        assertTrue(Files.isDirectory(snapshot("trim", 1)), "a dry run deletes nothing");

        CliRun run = CliRun.of("prune", "--pool", poolDir, "--image", "trim", "--keep", "2",
                "--bootstrap", KAFKA.bootstrapServers());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("next parent of r-trim"), run.out());
        assertTrue(run.out().contains("retired 1, 3"), run.out());
        assertEquals(List.of(1, 3), retiredInTopic("trim"));
        assertEquals(List.of("2", "4", "5"), list(pool.root().resolve("images/trim/versions")));
    }

    private static List<String> list(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
