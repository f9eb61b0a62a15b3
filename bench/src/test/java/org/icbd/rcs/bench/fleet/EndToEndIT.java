package org.icbd.rcs.bench.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.testkit.MetricsScrape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole system as a user meets it: a broker, a master, a planner and replicas, each in its own
 * JVM on its own loop-mounted btrfs pool. The tests run in order, each building on the last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {

    private static final String IMAGE = "ubuntu";
    private static final Duration CONVERGE = Duration.ofMinutes(4);

    @TempDir
    static Path work;

    static Fleet fleet;
    static StepLedger ledger;
    static Path workTree;

    @BeforeAll
    static void startFleet() {
        fleet = new Fleet(new Fleet.Settings(work, 1L << 30, Duration.ofMinutes(2), "256m", Duration.ofSeconds(15)));
        String bootstrap = fleet.startKafka();
        ledger = new StepLedger(bootstrap);
        fleet.startMaster();
        fleet.startPlanner();
        fleet.addReplica("lab-110-a", "lab-110", List.of(IMAGE + ":3"));
        fleet.addReplica("lab-112-a", "lab-112", List.of(IMAGE + ":3"));
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

    private static ImageVersionPublished update(long seed) {
        DatasetGenerator.adminUpdate(workTree, seed, 0.10);
        return fleet.publish(IMAGE);
    }

    @Test
    @Order(1)
    void threeVersionsReachBothReplicasByteForByte() {
        DatasetGenerator.generate(workTree, new DatasetSpec(7, 200, 24L << 20));
        assertEquals(1, fleet.publish(IMAGE).version());
        assertEquals(2, update(2).version());
        assertEquals(3, update(3).version());
        fleet.awaitInSync(IMAGE, 3, List.of("lab-110-a", "lab-112-a"), CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-110-a", List.of(1, 2, 3));
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-112-a", List.of(1, 2, 3));
    }

    @Test
    @Order(2)
    void aReplicaSubscribingLateGetsAFullSendThenDeltas() {
        fleet.addReplica("lab-114-a", "lab-114", List.of(IMAGE + ":2"));
        fleet.awaitInSync(IMAGE, 3, List.of("lab-114-a"), CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-114-a", List.of(2, 3));
        assertEquals(List.of("full 2", "2->3"), ledger.stepsOf("lab-114-a"));
    }

    @Test
    @Order(3)
    void aReplicaStoppedWhileVersionsArePublishedCatchesUpWhenItReturns() {
        fleet.stopReplica("lab-112-a");
        assertEquals(4, update(4).version());
        assertEquals(5, update(5).version());
        fleet.awaitInSync(IMAGE, 5, List.of("lab-110-a", "lab-114-a"), CONVERGE, board -> { });
        fleet.startReplica("lab-112-a");
        fleet.awaitInSync(IMAGE, 5, List.of("lab-112-a"), CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-112-a", List.of(3, 4, 5));
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-110-a", List.of(3, 4, 5));
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-114-a", List.of(4, 5));
    }

    @Test
    @Order(4)
    void restartingThePlannerMidFlowChangesNothingVisible() {
        int tasksBefore = ledger.tasks().size();
        fleet.stopPlanner();
        assertEquals(6, update(6).version());
        fleet.startPlanner();
        fleet.awaitInSync(IMAGE, 6, List.of("lab-110-a", "lab-112-a", "lab-114-a"), CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-110-a", List.of(4, 5, 6));
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-112-a", List.of(4, 5, 6));
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-114-a", List.of(5, 6));

        List<ReplicationTask> tasks = ledger.tasks();
        Set<String> ids = new HashSet<>();
        tasks.forEach(t -> assertTrue(ids.add(t.taskId()), "task id " + t.taskId() + " issued twice"));
        List<ReplicationTask> afterRestart = tasks.subList(tasksBefore, tasks.size());
        for (String replica : List.of("lab-110-a", "lab-112-a", "lab-114-a")) {
            List<ReplicationTask> mine = afterRestart.stream().filter(t -> t.replicaId().equals(replica)).toList();
            assertEquals(1, mine.size(), replica + " got exactly one task for version 6: " + mine);
            assertEquals(List.of(5), mine.get(0).steps().stream().map(s -> s.parentVersion().orElse(0)).toList());
        }
        for (String replica : List.of("lab-110-a", "lab-112-a", "lab-114-a")) {
            List<String> steps = ledger.stepsOf(replica);
            assertEquals(steps.size(), new HashSet<>(steps).size(), replica + " applied a step twice: " + steps);
            assertTrue(steps.contains("5->6"), replica + ": " + steps);
        }
        assertEquals(Optional.empty(), ledger.rows().stream().filter(r -> r.bytes() == 0).findAny(),
                "every applied step moved bytes");
    }

    @Test
    @Order(5)
    void theFleetsEndpointsAnswerAndTheBrokerKeepsItsPortAcrossARestart() throws Exception {
        Path file = work.resolve("fleet.json");
        fleet.endpoints().write(file);
        FleetEndpoints endpoints = FleetEndpoints.read(file);
        assertEquals(fleet.bootstrap(), endpoints.kafka().bootstrap());
        assertEquals(fleet.sshPort(), endpoints.master().sshPort());
        assertEquals("http://127.0.0.1:" + fleet.httpPort() + "/", endpoints.master().statusPage());
        assertEquals(List.of("lab-110-a", "lab-112-a", "lab-114-a"),
                endpoints.replicas().stream().map(FleetEndpoints.Replica::id).toList());
        assertEquals(List.of("lab-110", "lab-112", "lab-114"),
                endpoints.replicas().stream().map(FleetEndpoints.Replica::site).toList());
        try (java.net.Socket ssh = new java.net.Socket("127.0.0.1", endpoints.master().sshPort())) {
            assertTrue(ssh.isConnected());
        }
        assertEquals(200, status(endpoints.master().httpPort(), "/health"));
        assertEquals(200, status(endpoints.planner().httpPort(), "/health"));
        assertTrue(MetricsScrape.of(metrics(endpoints.planner().httpPort())).require("icbd_planner_tasks_issued_total") > 0);
        for (FleetEndpoints.Replica r : endpoints.replicas()) {
            assertEquals(200, status(r.httpPort(), "/health"), r.id());
        }
        // lab-110-a never restarted: its counter saw every step the ledger saw it apply.
        int port110 = endpoints.replicas().get(0).httpPort();
        assertEquals(ledger.stepsOf("lab-110-a").size(), (int) MetricsScrape.of(metrics(port110))
                .require("icbd_replica_steps_total", "outcome", "applied", "error_class", "none"));
        assertTrue(MetricsScrape.of(metrics(endpoints.master().httpPort()))
                .require("icbd_master_sends_total", "outcome", "completed") > 0);

        String before = fleet.bootstrap();
        assertEquals(before, fleet.restartKafka(), "the broker is back on the port its clients know");
        assertEquals(7, update(7).version());
        fleet.awaitInSync(IMAGE, 7, List.of("lab-110-a", "lab-112-a", "lab-114-a"), CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-110-a", List.of(5, 6, 7));
    }

    private static java.net.URI metrics(int port) {
        return java.net.URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    private static int status(int port, String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
