package org.icbd.rcs.bench.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.testkit.HeadlessChromium;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's status page in a real browser: a fleet (broker, master, planner, two replicas on two
 * sites) replicates a version big enough to watch, while headless Chromium shows the page. The DOM
 * must name every replica with its state, show a transfer's bytes growing, mark a stopped replica
 * OFFLINE, and a screenshot is kept under {@code target/status-page/}.
 */
class StatusPageIT {

    private static final String IMAGE = "ubuntu";
    private static final List<String> REPLICAS = List.of("lab-110-a", "lab-112-a");
    private static final Duration CONVERGE = Duration.ofMinutes(6);
    private static final Path OUT = Path.of("target", "status-page");

    /** Every replica row of the page: replica, image, state and the bytes of a transfer in flight. */
    private static final String ROWS = "[...document.querySelectorAll('tr.replica')].map(r => ({"
            + "replica: r.dataset.replica, image: r.dataset.image || null, state: r.dataset.state,"
            + "have: r.dataset.have || null,"
            + "task: r.querySelector('td.progress') ? r.querySelector('td.progress').dataset.task : null,"
            + "bytes: r.querySelector('td.progress') ? Number(r.querySelector('td.progress').dataset.bytes) : null}))";

    @TempDir
    Path work;

    @Test
    void thePageShowsEveryReplicaATransferMovingAndAnOfflineReplica() throws Exception {
        Files.createDirectories(OUT);
        try (Fleet fleet = new Fleet(new Fleet.Settings(work, 3L << 30, Duration.ofMinutes(3), "256m",
                Duration.ofSeconds(10)))) {
            fleet.startKafka();
            fleet.startMaster();
            fleet.startPlanner();
            fleet.addReplica(REPLICAS.get(0), "lab-110", List.of(IMAGE + ":2"));
            fleet.addReplica(REPLICAS.get(1), "lab-112", List.of(IMAGE + ":2"));
            Path workTree = fleet.initImage(IMAGE);
            // Big enough that a full send lasts several progress intervals (1 s) on this machine.
            DatasetGenerator.generate(workTree, new DatasetSpec(11, 50, 640L << 20));

            try (HeadlessChromium browser = HeadlessChromium.open("http://127.0.0.1:" + fleet.httpPort() + "/",
                    OUT)) {
                fleet.publish(IMAGE);
                // task -> every distinct byte count the page showed for it, in the order seen
                Map<String, List<Long>> seen = new HashMap<>();
                long deadline = System.nanoTime() + CONVERGE.toNanos();
                boolean screenshotMidTransfer = false;
                while (!allInSync(browser.evaluate(ROWS))) {
                    assertTrue(System.nanoTime() < deadline, "the page never showed both replicas IN_SYNC: "
                            + browser.evaluate(ROWS));
                    for (JsonNode row : browser.evaluate(ROWS)) {
                        if (row.hasNonNull("task") && row.hasNonNull("bytes")) {
                            List<Long> counts = seen.computeIfAbsent(row.get("task").asText(), t -> new ArrayList<>());
                            long bytes = row.get("bytes").asLong();
                            if (counts.isEmpty() || counts.get(counts.size() - 1) != bytes) {
                                counts.add(bytes);
                            }
                            if (!screenshotMidTransfer && counts.size() >= 2) {
                                browser.screenshot(OUT.resolve("transferring.png"));
                                screenshotMidTransfer = true;
                            }
                        }
                    }
                    TimeUnit.MILLISECONDS.sleep(250);
                }
                assertTrue(seen.values().stream().anyMatch(StatusPageIT::grows),
                        "a transfer's bytes should grow on the page while it runs; seen " + seen);

                JsonNode rows = browser.evaluate(ROWS);
                assertEquals(REPLICAS, rowsOf(rows, "IN_SYNC"), "every replica has its row and state: " + rows);
                String dom = browser.dom();
                assertTrue(dom.contains("Site lab-110") && dom.contains("Site lab-112"), "sites are shown");
                assertTrue(browser.evaluate("document.getElementById('banner').className").asText().equals("ok"),
                        "the planner is heard and no pair needs attention: "
                                + browser.evaluate("document.getElementById('banner').textContent"));
                assertTrue(browser.evaluate("document.querySelectorAll('#versions tr.version').length").asInt() >= 1,
                        "the master's versions are listed");
                browser.screenshot(OUT.resolve("in-sync.png"));

                fleet.stopReplica(REPLICAS.get(1));
                long offlineDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (!rowsOf(browser.evaluate(ROWS), "OFFLINE").contains(REPLICAS.get(1))) {
                    assertTrue(System.nanoTime() < offlineDeadline, "the stopped replica should be marked OFFLINE: "
                            + browser.evaluate(ROWS));
                    TimeUnit.MILLISECONDS.sleep(500);
                }
                assertTrue(browser.evaluate("[...document.querySelectorAll('tr.offline .badge')]"
                        + ".some(b => b.textContent === 'OFFLINE')").asBoolean(), "the OFFLINE replica is marked");
                Path shot = browser.screenshot(OUT.resolve("status-page.png"));
                assertTrue(Files.size(shot) > 1000, "a real screenshot: " + Files.size(shot) + " bytes");
            }
        }
    }

    /** Both replicas IN_SYNC holding version 1 (before the publish they are IN_SYNC with nothing). */
    private static boolean allInSync(JsonNode rows) {
        List<String> done = new ArrayList<>();
        for (JsonNode r : rows) {
            if (IMAGE.equals(r.path("image").asText()) && "IN_SYNC".equals(r.path("state").asText())
                    && "1".equals(r.path("have").asText())) {
                done.add(r.get("replica").asText());
            }
        }
        return done.stream().sorted().toList().equals(REPLICAS);
    }

    private static List<String> rowsOf(JsonNode rows, String state) {
        List<String> ids = new ArrayList<>();
        for (JsonNode r : rows) {
            if (IMAGE.equals(r.path("image").asText()) && state.equals(r.path("state").asText())) {
                ids.add(r.get("replica").asText());
            }
        }
        return ids.stream().sorted().toList();
    }

    private static boolean grows(List<Long> counts) {
        for (int i = 1; i < counts.size(); i++) {
            if (counts.get(i) > counts.get(i - 1)) {
                return true;
            }
        }
        return false;
    }
}
