package org.icbd.rcs.bench.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.master.status.StatusBoard;
import org.icbd.rcs.master.status.StatusReader;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Site peers on a real fleet: two sites of two replicas each, the first of each site serving it and
 * the second trusting it (and the master). The master's uplink carries each step once per site; a
 * peer killed mid-transfer leaves its downstream to the master, and it converges. (A task naming a
 * source the replica does not trust is pulled from the master: consumer-replica's {@code PeerIT}.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SitePeersIT {

    private static final String IMAGE = "ubuntu";
    private static final Duration CONVERGE = Duration.ofMinutes(3);
    private static final List<String> SITES = List.of("lab-1", "lab-2");
    private static final List<String> ALL = List.of("lab-1-a", "lab-1-b", "lab-2-a", "lab-2-b");

    @TempDir
    static Path work;

    static Fleet fleet;
    static StepLedger ledger;
    static Path workTree;

    @BeforeAll
    static void startFleet() {
        fleet = new Fleet(new Fleet.Settings(work, 1L << 30, Duration.ofMinutes(2), "256m", Duration.ofSeconds(15)));
        ledger = new StepLedger(fleet.startKafka());
        fleet.startMaster();
        fleet.startPlanner();
        for (String site : SITES) {
            fleet.addReplica(site + "-a", site, List.of(IMAGE + ":3"), 0, Fleet.Peering.serving(2));
            fleet.addReplica(site + "-b", site, List.of(IMAGE + ":3"), 0, Fleet.Peering.trusting(site + "-a"));
        }
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

    @Test
    @Order(1)
    void threeVersionsReachEveryReplicaAndTheMasterSendsEachStepOncePerSite() throws Exception {
        DatasetGenerator.generate(workTree, new DatasetSpec(7, 200, 24L << 20));
        assertEquals(1, fleet.publish(IMAGE).version());
        for (int v = 2; v <= 3; v++) {
            DatasetGenerator.adminUpdate(workTree, v, 0.10);
            assertEquals(v, fleet.publish(IMAGE).version());
        }
        fleet.awaitInSync(IMAGE, 3, ALL, CONVERGE, board -> { });
        for (String replica : ALL) {
            FleetChecks.assertIdentical(fleet, IMAGE, replica, List.of(1, 2, 3));
        }

        List<StepLedger.Row> rows = ledger.rows();
        for (String site : SITES) {
            // Every version once per site over the uplink, and once more from the site's peer.
            Map<Integer, List<String>> sources = rows.stream()
                    .filter(r -> fleet.replica(r.replicaId()).site().equals(site))
                    .collect(Collectors.groupingBy(StepLedger.Row::version, TreeMap::new,
                            Collectors.mapping(r -> r.replicaId() + "<-" + r.source(), Collectors.toList())));
            assertEquals(Map.of(1, List.of(site + "-a<-master", site + "-b<-" + site + "-a"),
                    2, List.of(site + "-a<-master", site + "-b<-" + site + "-a"),
                    3, List.of(site + "-a<-master", site + "-b<-" + site + "-a")), sorted(sources), rows.toString());
        }

        // The master's HTTP API sums the same bytes by source.
        Map<String, Long> expected = StepLedger.bySource(rows);
        await("/api/status served " + expected).atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode served = apiStatus().get("served");
            assertEquals(expected, new ObjectMapper().convertValue(served,
                    new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, Long>>() { }));
        });
        JsonNode pair = null;
        for (JsonNode p : apiStatus().get("pairs")) {
            if (p.get("replicaId").asText().equals("lab-2-b")) {
                pair = p;
            }
        }
        assertEquals("lab-2-a", pair.get("lastStep").get("source").asText(), pair.toString());
    }

    @Test
    @Order(2)
    void aPeerKilledMidTransferLeavesItsDownstreamToTheMasterAndItConverges() {
        // lab-1-b pulls slowly, so that its transfer from lab-1-a is caught under way.
        fleet.configureReplica("lab-1-b", "icbd.replica.max-pull-rate", "1048576");
        fleet.end("lab-1-b", false);
        fleet.restart("lab-1-b");
        DatasetGenerator.adminUpdate(workTree, 4, 0.25);
        assertEquals(4, fleet.publish(IMAGE).version());

        Duration poll = Duration.ofMillis(200);
        try (StatusReader reader = new StatusReader(KafkaClientSettings.of(fleet.bootstrap()), Duration.ofSeconds(30),
                bad -> { })) {
            StatusBoard board = new StatusBoard();
            reader.catchUp(board);
            await("lab-1-b transferring version 4 from lab-1-a").atMost(CONVERGE).pollInterval(poll).until(() -> {
                reader.poll(board, Duration.ofMillis(100));
                Optional<ReplicationStatus> s = board.rows().stream()
                        .filter(r -> r.replicaId().equals("lab-1-b")).findFirst();
                return s.isPresent() && s.get().state() == ReplicationState.TRANSFERRING
                        && s.get().transfer().map(t -> t.version() == 4 && t.bytes() > 0).orElse(false);
            });
        }
        ReplicationTask task = ledger.tasks().stream().filter(t -> t.replicaId().equals("lab-1-b"))
                .reduce((a, b) -> b).orElseThrow();
        assertEquals(List.of("lab-1-a"), task.steps().stream().map(TransferStep::sourceId).toList(),
                "the step under way comes from the site's peer: " + task);
        fleet.end("lab-1-a", true);

        fleet.awaitInSync(IMAGE, 4, List.of("lab-1-b", "lab-2-a", "lab-2-b"), CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-1-b", List.of(2, 3, 4));
        StepLedger.Row v4 = ledger.rows().stream().filter(r -> r.replicaId().equals("lab-1-b") && r.version() == 4)
                .findFirst().orElseThrow();
        assertEquals(Sources.MASTER, v4.source(), "after its peer died, version 4 came from the master");
        assertTrue(v4.bytes() > 0);

        fleet.restart("lab-1-a");
        fleet.awaitInSync(IMAGE, 4, ALL, CONVERGE, board -> { });
        FleetChecks.assertIdentical(fleet, IMAGE, "lab-1-a", List.of(2, 3, 4));
    }

    private static Map<Integer, List<String>> sorted(Map<Integer, List<String>> m) {
        Map<Integer, List<String>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.stream().sorted().toList()));
        return out;
    }

    private static JsonNode apiStatus() throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + fleet.httpPort() + "/api/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return new ObjectMapper().readTree(body);
    }
}
