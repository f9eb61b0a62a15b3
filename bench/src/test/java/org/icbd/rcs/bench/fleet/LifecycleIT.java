package org.icbd.rcs.bench.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.ops.cli.Icbd;
import picocli.CommandLine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * An iMI's life to retirement with a fleet watermark: the master runs {@code --keep 2}; a replica
 * stopped at version 2 while 3..6 are published keeps version 2 alive on the master (its next
 * parent), catches up by deltas 2 -> 5 -> 6 when it returns, and version 2 is pruned once it has
 * moved on; a forced retire of a stopped replica's next parent, and a snapshot deleted by hand,
 * each lead that replica to a full re-seed that converges. The tests run in order, each building on
 * the last. Every process is real, each in its own JVM on its own loop-mounted btrfs pool.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleIT {

    private static final String IMAGE = "ubuntu";
    private static final Duration CONVERGE = Duration.ofMinutes(4);
    private static final Duration PRUNED = Duration.ofMinutes(2);

    @TempDir
    static Path work;

    static Fleet fleet;
    static StepLedger ledger;
    static Path workTree;

    @BeforeAll
    static void startFleet() {
        fleet = new Fleet(new Fleet.Settings(work, 1L << 30, Duration.ofMinutes(2), "256m", Duration.ofSeconds(15)));
        ledger = new StepLedger(fleet.startKafka());
        fleet.startMaster(List.of("--keep", "2", "--reconcile-interval", "2s"));
        fleet.startPlanner();
        fleet.addReplica("lab-110-a", "lab-110", List.of(IMAGE + ":2"));
        fleet.addReplica("lab-112-a", "lab-112", List.of(IMAGE + ":2"));
        workTree = fleet.initImage(IMAGE);
    }

    @AfterAll
    static void stopFleet() {
        if (ledger != null) {
            ledger.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    private static int update(long seed) {
        DatasetGenerator.adminUpdate(workTree, seed, 0.10);
        return fleet.publish(IMAGE).version();
    }

    private static List<Integer> masterVersions() {
        return fleet.masterRepository().versions(IMAGE).stream().map(ImageVersion::version).toList();
    }

    @Test
    @Order(1)
    void theMasterKeepsWhatAStoppedReplicaNeedsAndPrunesItOnceTheReplicaMovedOn() throws Exception {
        DatasetGenerator.generate(workTree, new DatasetSpec(11, 150, 16L << 20));
        assertEquals(1, fleet.publish(IMAGE).version());
        assertEquals(2, update(2));
        fleet.awaitInSync(IMAGE, 2, List.of("lab-110-a", "lab-112-a"), CONVERGE, board -> { });

        fleet.stopReplica("lab-112-a");
        for (int v = 3; v <= 6; v++) {
            assertEquals(v, update(v));
        }
        fleet.awaitInSync(IMAGE, 6, List.of("lab-110-a"), CONVERGE, board -> { });
        // Newest two (5, 6) by keep; 2 is the stopped replica's next parent; 1, 3 and 4 protect nobody.
        await("the master prunes to 2, 5, 6").atMost(PRUNED).pollInterval(Duration.ofSeconds(1))
                .until(LifecycleIT::masterVersions, List.of(2, 5, 6)::equals);

        fleet.startReplica("lab-112-a");
        fleet.awaitInSync(IMAGE, 6, List.of("lab-112-a"), CONVERGE, board -> { });
        assertEquals(List.of("full 1", "1->2", "2->5", "5->6"), ledger.stepsOf("lab-112-a"),
                "the returning replica caught up by deltas from the version the master kept for it");
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-112-a", List.of(5, 6));
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-110-a", List.of(5, 6));

        await("version 2 is pruned once no replica needs it").atMost(PRUNED).pollInterval(Duration.ofSeconds(1))
                .until(LifecycleIT::masterVersions, List.of(5, 6)::equals);
        assertTrue(Files.notExists(fleet.masterPool().resolve("images").resolve(IMAGE).resolve("versions").resolve("2")),
                "the snapshot of version 2 is gone from the master's pool");
    }

    /** What an admin's script sees of one {@code icbd} command run against the fleet's master pool. */
    private record Cli(int exitCode, String err) {
    }

    private static Cli icbd(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Icbd.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Cli(exit, err.toString());
    }

    private static Cli retire(int version, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("retire", "--pool", fleet.masterPool().toString(),
                "--image", IMAGE, "--version", String.valueOf(version), "--bootstrap", fleet.bootstrap()));
        args.addAll(List.of(more));
        return icbd(args.toArray(String[]::new));
    }

    @Test
    @Order(2)
    void aForcedRetireOfAStoppedReplicasNextParentLeadsToAFullReseedThatConverges() {
        fleet.stopReplica("lab-112-a");
        assertEquals(7, update(7));
        fleet.awaitInSync(IMAGE, 7, List.of("lab-110-a"), CONVERGE, board -> { });
        await("the master keeps 6 for the stopped replica").atMost(PRUNED).pollInterval(Duration.ofSeconds(1))
                .until(LifecycleIT::masterVersions, List.of(6, 7)::equals);

        Cli newest = retire(7);
        assertEquals(3, newest.exitCode(), "the newest version is never retired: " + newest.err());
        Cli guarded = retire(6);
        assertEquals(3, guarded.exitCode(), "a replica's next parent is refused: " + guarded.err());
        assertTrue(guarded.err().contains("lab-112-a"), "the refusal names the replica: " + guarded.err());
        assertEquals(List.of(6, 7), masterVersions(), "a refused retire deletes nothing");

        Cli forced = retire(6, "--force");
        assertEquals(0, forced.exitCode(), forced.err());
        assertEquals(List.of(7), masterVersions());

        fleet.startReplica("lab-112-a");
        fleet.awaitInSync(IMAGE, 7, List.of("lab-112-a"), CONVERGE, board -> { });
        List<String> steps = ledger.stepsOf("lab-112-a");
        assertEquals("full 7", steps.get(steps.size() - 1), "with its parent retired the replica re-seeds: " + steps);
        FleetChecks.assertIdentical(fleet.verify("lab-112-a", IMAGE, 7));
    }

    @Test
    @Order(3)
    void aSnapshotDeletedByHandIsRetiredAndTheReplicaThatNeededItConverges() {
        fleet.stopReplica("lab-112-a");
        assertEquals(8, update(8));
        assertEquals(9, update(9));
        fleet.awaitInSync(IMAGE, 9, List.of("lab-110-a"), CONVERGE, board -> { });
        await("the master keeps 7 for the stopped replica").atMost(PRUNED).pollInterval(Duration.ofSeconds(1))
                .until(LifecycleIT::masterVersions, List.of(7, 8, 9)::equals);

        Path seven = fleet.masterPool().resolve("images").resolve(IMAGE).resolve("versions").resolve("7");
        fleet.masterRepository().btrfs().deleteSubvolume(seven);

        fleet.startReplica("lab-112-a");
        fleet.awaitInSync(IMAGE, 9, List.of("lab-112-a"), CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet.verify("lab-112-a", IMAGE, 9));
        assertEquals(List.of(8, 9), masterVersions());
    }
}
