package org.icbd.rcs.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.topic.EventJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code icbd bench} end to end at the smallest size, one repetition: it completes, its JSON holds
 * every case with bytes and the targets with their figures, the peers received the versions sent
 * (their received uuids), through a site peer the master served the delta once for the four
 * fanout replicas (counted from their replies), and it leaves no mount, loop device, namespace or
 * process (the private sshd included). No figure is asserted: this machine's load decides them.
 */
class BenchCommandIT {

    private static final Logger LOG = LoggerFactory.getLogger(BenchCommandIT.class);
    private static final CommandRunner RUNNER = new CommandRunner();

    @TempDir
    Path tmp;

    @Test
    void everyCaseRunsAndNothingIsLeftBehind() throws Exception {
        Path json = tmp.resolve("report").resolve("bench.json");
        CliRun run = CliRun.of("bench", "--size", "64M", "--repeat", "1", "--cases", "raw,loopback,link,openssh,fanout",
                "--work-dir", tmp.resolve("work").toString(), "--json-out", json.toString());
        // The figures are for the reader of the test's log, never asserted.
        LOG.info("icbd bench at 64M printed:\n{}", run.out());
        assertEquals(0, run.exitCode(), run.err() + run.out());
        assertTrue(run.out().contains("targets (goals, not assertions)"), run.out());

        JsonNode report = EventJson.mapper().readTree(json.toFile());
        List<String> seen = new ArrayList<>();
        for (JsonNode c : report.get("cases")) {
            seen.add(c.get("name").asText() + "/" + c.get("step").asText());
            assertTrue(c.get("wireBytes").asLong() > 0, c.toString());
            assertTrue(c.get("streamBytes").asLong() > 0, c.toString());
            assertTrue(c.get("seconds").get("median").asDouble() > 0, c.toString());
        }
        for (String name : List.of("btrfs send only", "raw send|receive", "raw send|receive+flush", "loopback none",
                "loopback lz4", "loopback tcp", "link none", "link lz4", "link tcp", "openssh")) {
            for (String step : List.of("full", "delta")) {
                assertTrue(seen.contains(name + "/" + step), name + "/" + step + " missing from " + seen);
            }
        }
        for (String name : List.of("fanout 1", "fanout 4", "fanout peer 4")) {
            assertTrue(seen.contains(name + "/delta"), name + "/delta missing from " + seen);
        }
        assertTrue(report.get("link").get("probeMBps").asDouble() > 0, report.get("link").toString());
        assertReceived(report, "openssh");
        assertMasterServedTheSiteOnce(report);
        assertTargets(report, List.of("loopback-none-full-x-raw", "loopback-none-delta-x-raw", "openssh-full-ratio",
                "openssh-delta-ratio", "loopback-full-cpu-s-per-gb", "link-lz4-full-x-wire-floor",
                "link-lz4-delta-x-wire-floor", "master-jvm-peak-rss-mib", "replica-jvm-peak-rss-mib",
                "fanout-master-cpu-ratio", "fanout-master-bytes-per-site"));
    }

    /**
     * Through a peer, the master's wire bytes for the site of four (counted from the replicas'
     * replies, by source) are one delta stream's, where the plain fanout's are four; every replica
     * received the delta whole (four streams in the case).
     */
    private static void assertMasterServedTheSiteOnce(JsonNode report) {
        long stream = caseOf(report, "fanout 1", "delta").get("streamBytes").asLong();
        JsonNode peer = caseOf(report, "fanout peer 4", "delta");
        // A received snapshot's stream is a few bytes longer than the master's original.
        assertTrue(peer.get("streamBytes").asLong() >= 4 * stream
                && peer.get("streamBytes").asLong() < 4.01 * stream, peer.toString());
        assertEquals(4 * stream, caseOf(report, "fanout 4", "delta").get("streamBytes").asLong());
        JsonNode target = null;
        for (JsonNode t : report.get("targets")) {
            if (t.get("name").asText().equals("fanout-master-bytes-per-site")) {
                target = t;
            }
        }
        assertTrue(target != null, report.get("targets").toString());
        double streams = target.get("value").asDouble() / stream;
        assertTrue(streams >= 1.0 && streams <= 1.05, "the master served " + streams + " streams to the site through"
                + " a peer: " + target);
        assertTrue(target.get("met").asBoolean(), target.toString());
        assertTrue(target.get("detail").asText().contains("peer replica-fanout-1 "), target.toString());
        assertTrue(target.get("detail").asText().contains("plain fanout 4: the master "), target.toString());
    }

    @Test
    void btrbkReceivesBothVersionsPlainAndLz4() throws Exception {
        Path json = tmp.resolve("report").resolve("bench.json");
        CliRun run = CliRun.of("bench", "--size", "64M", "--repeat", "1", "--cases", "loopback,btrbk",
                "--work-dir", tmp.resolve("work").toString(), "--json-out", json.toString());
        LOG.info("icbd bench --cases loopback,btrbk at 64M printed:\n{}", run.out());
        assertEquals(0, run.exitCode(), run.err() + run.out());
        JsonNode report = EventJson.mapper().readTree(json.toFile());
        assertReceived(report, "btrbk");
        assertReceived(report, "btrbk-lz4");
        JsonNode lz4 = caseOf(report, "btrbk-lz4", "full");
        assertTrue(lz4.get("wireBytes").asLong() < lz4.get("streamBytes").asLong(), lz4.toString());
        assertTargets(report, List.of("btrbk-full-speedup", "btrbk-delta-speedup", "btrbk-lz4-full-speedup",
                "btrbk-lz4-delta-speedup"));
    }

    private static JsonNode caseOf(JsonNode report, String name, String step) {
        for (JsonNode c : report.get("cases")) {
            if (c.get("name").asText().equals(name) && c.get("step").asText().equals(step)) {
                return c;
            }
        }
        throw new AssertionError(name + "/" + step + " missing from " + report.get("cases"));
    }

    /**
     * The peer case's full and delta steps each moved the stream whole: the bench checks the
     * received subvolume's received uuid against the sent snapshot's and names it; the OpenSSH pipe
     * sends the versions themselves, so theirs are the dataset's v1 and v2.
     */
    private static void assertReceived(JsonNode report, String name) {
        for (String step : List.of("full", "delta")) {
            JsonNode c = caseOf(report, name, step);
            assertEquals(c.get("streamBytes").asLong(), caseOf(report, "loopback none", step).get("streamBytes")
                    .asLong(), "the peer sent the same stream as the system: " + c);
            String ssh = c.get("samples").get(0).get("ssh").asText();
            assertTrue(ssh.contains("received uuid "), ssh);
            if (name.equals("openssh")) {
                String sent = report.get("dataset").get(step.equals("full") ? "v1" : "v2").asText();
                assertTrue(ssh.endsWith("received uuid " + sent), ssh + " should name " + sent);
            }
        }
    }

    /** Every target has a name, a numeric value, a goal and a boolean; {@code expected} are among them. */
    private static void assertTargets(JsonNode report, List<String> expected) {
        List<String> names = new ArrayList<>();
        for (JsonNode t : report.get("targets")) {
            names.add(t.get("name").asText());
            assertTrue(t.get("value").isNumber(), t.toString());
            assertTrue(t.get("met").isBoolean(), t.toString());
            assertFalse(t.get("goal").asText().isBlank(), t.toString());
        }
        assertTrue(names.containsAll(expected), "targets " + names + " lack some of " + expected);
    }

    @AfterEach
    void nothingIsLeftBehind() throws Exception {
        String pid = Long.toString(ProcessHandle.current().pid());
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains(tmp.toString()), "a mount is left under " + tmp + ":\n" + mounts);
        String loops = RUNNER.run(List.of("losetup", "-a"), Duration.ofSeconds(30)).stdout();
        assertFalse(loops.contains(tmp.toString()), "a loop device is left:\n" + loops);
        String namespaces = RUNNER.run(List.of("ip", "netns", "list"), Duration.ofSeconds(30)).stdout();
        assertFalse(namespaces.contains("icbd-bench-m-" + pid) || namespaces.contains("icbd-bench-r-" + pid),
                "a namespace is left:\n" + namespaces);
        assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive),
                "a child process is left");
        // A failed run keeps its logs for the reader, nothing else.
        Path runDir = tmp.resolve("work").resolve("run-" + pid);
        if (Files.exists(runDir)) {
            try (var entries = Files.list(runDir)) {
                List<Path> left = entries.filter(p -> !p.getFileName().toString().equals("logs")).toList();
                assertTrue(left.isEmpty(), "left in " + runDir + ": " + left);
            }
        }
    }
}
