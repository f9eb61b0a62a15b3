package org.icbd.rcs.planner.topology;

import static org.icbd.rcs.planner.topology.PlannerDriver.uuid;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.planner.plan.Routing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Site peers through the topology: which source each step of a task names, as the replicas of two
 * sites register, serve, fetch, fail and fall silent.
 */
class RoutingTopologyTest {

    private static final Duration OFFLINE_AFTER = Duration.ofSeconds(30);
    private static final TopologySettings SETTINGS = new TopologySettings(OFFLINE_AFTER, Duration.ofMinutes(5),
            Compression.LZ4, Duration.ofSeconds(1));
    private static final Subscription UBUNTU = new Subscription("ubuntu", 3);

    @TempDir
    Path stateDir;

    private PlannerDriver planner;

    @BeforeEach
    void start() {
        planner = new PlannerDriver(stateDir, SETTINGS);
    }

    @AfterEach
    void stop() {
        planner.close();
    }

    @Test
    void theMasterSendsANewVersionOncePerSiteAndTheSitesPeersServeTheRest() {
        // "lab-1-0" sorts before its site's serving replica: serving replicas are planned first anyway.
        planner.register("lab-1-0", "lab-1", UBUNTU);
        planner.registerServing("lab-1-a", "lab-1", 2, UBUNTU);
        planner.registerServing("lab-2-a", "lab-2", 2, UBUNTU);
        planner.register("lab-2-b", "lab-2", UBUNTU);
        planner.drain();

        planner.publish("ubuntu", 1);
        assertEquals(Map.of("lab-1-a", "full 1 from master", "lab-2-a", "full 1 from master"), routes(planner.tasks()));

        planner.report("lab-1-a", "ubuntu", List.of(1), applied("lab-1-a", 1), Optional.empty());
        assertEquals(Map.of("lab-1-0", "full 1 from lab-1-a"), routes(planner.tasks()));
        planner.report("lab-2-a", "ubuntu", List.of(1), applied("lab-2-a", 1), Optional.empty());
        assertEquals(Map.of("lab-2-b", "full 1 from lab-2-a"), routes(planner.tasks()));
        planner.report("lab-1-0", "ubuntu", List.of(1), applied("lab-1-0", 1), Optional.empty());
        planner.report("lab-2-b", "ubuntu", List.of(1), applied("lab-2-b", 1), Optional.empty());
        planner.drain();

        // A delta: the peer must hold both its parent and the version.
        planner.publish("ubuntu", 2);
        assertEquals(Map.of("lab-1-a", "1->2 from master", "lab-2-a", "1->2 from master"), routes(planner.tasks()));
        planner.report("lab-1-a", "ubuntu", List.of(1, 2), applied("lab-1-a", 2), Optional.empty());
        List<ReplicationTask> tasks = planner.tasks();
        assertEquals(Map.of("lab-1-0", "1->2 from lab-1-a"), routes(tasks));
        assertEquals(List.of(TransferStep.delta(1, uuid("ubuntu", 1), 2, uuid("ubuntu", 2)).from("lab-1-a")),
                tasks.get(0).steps());
    }

    @Test
    void versionsPublishedWhileThePeerFetchesComeFromThePeerToo() {
        planner.registerServing("lab-1-a", "lab-1", 2, UBUNTU);
        planner.register("lab-1-b", "lab-1", UBUNTU);
        planner.publish("ubuntu", 1);
        planner.publish("ubuntu", 2);
        planner.publish("ubuntu", 3);
        assertEquals(Map.of("lab-1-a", "full 1 from master, 1->2 from master, 2->3 from master"),
                routes(planner.tasks()));

        planner.report("lab-1-a", "ubuntu", List.of(1), applied("lab-1-a", 1), Optional.empty());
        // lab-1-b gets what its peer holds; the rest waits for the peer, which is fetching it.
        assertEquals(Map.of("lab-1-b", "full 1 from lab-1-a"), routes(planner.tasks()));
        planner.report("lab-1-b", "ubuntu", List.of(), Optional.empty(), Optional.empty());
        assertEquals(Map.of(), routes(planner.tasks()), "the partial task still carries the plan");

        planner.report("lab-1-a", "ubuntu", List.of(1, 2, 3), applied("lab-1-a", 3), Optional.empty());
        planner.report("lab-1-b", "ubuntu", List.of(1), applied("lab-1-b", 1), Optional.empty());
        assertEquals(Map.of("lab-1-b", "1->2 from lab-1-a, 2->3 from lab-1-a"), routes(planner.tasks()));
    }

    @Test
    void aStepAPeerFailedIsIssuedAgainFromTheMaster() {
        planner.registerServing("lab-1-a", "lab-1", 2, UBUNTU);
        planner.register("lab-1-b", "lab-1", UBUNTU);
        planner.publish("ubuntu", 1);
        planner.report("lab-1-a", "ubuntu", List.of(1), applied("lab-1-a", 1), Optional.empty());
        ReplicationTask fromPeer = last(planner.tasks(), "lab-1-b");
        assertEquals("full 1 from lab-1-a", render(fromPeer));

        planner.report("lab-1-b", "ubuntu", List.of(), Optional.of(StepReport.failed(fromPeer.taskId(), 1,
                ErrorClass.TRANSIENT, "connection refused", 0, 10).withSource("lab-1-a")), Optional.empty());
        ReplicationTask again = last(planner.tasks(), "lab-1-b");
        assertEquals("full 1 from master", render(again));

        // Its failure reported once more (a retry of the old task) issues nothing new.
        planner.advance(Duration.ofSeconds(2));
        planner.report("lab-1-b", "ubuntu", List.of(), Optional.of(StepReport.failed(fromPeer.taskId(), 1,
                ErrorClass.TRANSIENT, "connection refused again", 0, 10).withSource("lab-1-a")), Optional.empty());
        assertEquals(Map.of(), routes(planner.tasks()));
    }

    @Test
    void aPeerComingToHoldAVersionChangesNoTaskAlreadyIssued() {
        planner.register("lab-1-b", "lab-1", UBUNTU);
        planner.publish("ubuntu", 1);
        assertEquals(Map.of("lab-1-b", "full 1 from master"), routes(planner.tasks()));

        planner.registerServing("lab-1-a", "lab-1", 2, UBUNTU);
        planner.drain();
        planner.report("lab-1-a", "ubuntu", List.of(1), applied("lab-1-a", 1), Optional.empty());
        planner.report("lab-1-b", "ubuntu", List.of(), Optional.empty(), Optional.empty());
        assertEquals(Map.of(), routes(planner.tasks()));
    }

    @Test
    void aPeerFeedsAtMostItsMaxDownstreams() {
        planner.registerServing("lab-1-a", "lab-1", 1, UBUNTU);
        planner.register("lab-1-b", "lab-1", UBUNTU);
        planner.register("lab-1-c", "lab-1", UBUNTU);
        planner.publish("ubuntu", 1);
        assertEquals(Map.of("lab-1-a", "full 1 from master"), routes(planner.tasks()));

        planner.report("lab-1-a", "ubuntu", List.of(1), applied("lab-1-a", 1), Optional.empty());
        assertEquals(Map.of("lab-1-b", "full 1 from lab-1-a", "lab-1-c", "full 1 from master"),
                routes(planner.tasks()));
    }

    @Test
    void neverAnOfflinePeerNorOneOfAnotherSite() {
        planner.registerServing("lab-1-a", "lab-1", 2, UBUNTU);
        planner.publish("ubuntu", 1);
        planner.report("lab-1-a", "ubuntu", List.of(1), applied("lab-1-a", 1), Optional.empty());
        planner.drain();
        planner.register("lab-2-b", "lab-2", UBUNTU);
        assertEquals(Map.of("lab-2-b", "full 1 from master"), routes(planner.tasks()));

        // lab-1-a falls silent (OFFLINE) while lab-2-b keeps its heartbeat; then lab-1-b joins.
        for (int i = 0; i < 8; i++) {
            planner.advance(Duration.ofSeconds(5));
            planner.heartbeat("lab-2-b");
        }
        planner.drain();
        planner.register("lab-1-b", "lab-1", UBUNTU);
        assertEquals(Map.of("lab-1-b", "full 1 from master"), routes(planner.tasks()));
    }

    @Test
    void theCoreNamesTheMasterAsTheEventsDo() {
        assertEquals(Sources.MASTER, Routing.MASTER);
    }

    private Optional<StepReport> applied(String replica, int version) {
        return Optional.of(StepReport.applied(replica + "/ubuntu/" + version, version, 1000, 10));
    }

    /** The last task per replica, its steps rendered with their sources. */
    private static Map<String, String> routes(List<ReplicationTask> tasks) {
        return tasks.stream().collect(Collectors.toMap(ReplicationTask::replicaId, RoutingTopologyTest::render,
                (a, b) -> b, TreeMap::new));
    }

    private static String render(ReplicationTask task) {
        return task.steps().stream().map(s -> s.parentVersion().map(p -> p + "->" + s.version())
                .orElse("full " + s.version()) + " from " + s.sourceId()).collect(Collectors.joining(", "));
    }

    private static ReplicationTask last(List<ReplicationTask> tasks, String replica) {
        return tasks.stream().filter(t -> t.replicaId().equals(replica)).reduce((a, b) -> b).orElseThrow();
    }
}
