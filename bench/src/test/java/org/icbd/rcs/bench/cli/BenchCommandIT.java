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
 * {@code icbd bench} end to end at the smallest size, one repetition, every case: it completes,
 * its JSON holds every case with bytes, and it leaves no mount, loop device, namespace or process.
 * No figure is asserted: this machine's load decides them.
 */
class BenchCommandIT {

    private static final Logger LOG = LoggerFactory.getLogger(BenchCommandIT.class);
    private static final CommandRunner RUNNER = new CommandRunner();

    @TempDir
    Path tmp;

    @Test
    void everyCaseRunsAndNothingIsLeftBehind() throws Exception {
        Path json = tmp.resolve("report").resolve("bench.json");
        CliRun run = CliRun.of("bench", "--size", "64M", "--repeat", "1", "--cases", "raw,loopback,link",
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
        for (String name : List.of("btrfs send only", "raw send|receive", "loopback none", "loopback lz4",
                "link none", "link lz4")) {
            for (String step : List.of("full", "delta")) {
                assertTrue(seen.contains(name + "/" + step), name + "/" + step + " missing from " + seen);
            }
        }
        assertTrue(report.get("link").get("probeMBps").asDouble() > 0, report.get("link").toString());
        assertFalse(report.get("targets").isEmpty());
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
