package org.icbd.rcs.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --stop} signals exactly the processes its state file names, each checked to be the
 * very process recorded (pid, start time, command line), and deletes nothing still in use.
 */
class DemoStopIT {

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() {
        started.forEach(Process::destroyForcibly);
    }

    private Process sleeper(Path cwd) throws IOException {
        Process p = new ProcessBuilder("sleep", "300").directory(cwd.toFile()).start();
        started.add(p);
        return p;
    }

    /** The state file's line for {@code p}: pid, start time (/proc/pid/stat field 22), command line, name. */
    private static String line(long pid, String startTime, String name) throws IOException {
        byte[] cmdline = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
        return "pid " + pid + " " + startTime + " " + Base64.getEncoder().encodeToString(cmdline) + " " + name;
    }

    private static String startTime(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return after[22 - 3];
    }

    @Test
    void stopSignalsOnlyItsOwnProcessesAndKeepsWhatIsInUse() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("demo"));
        Path mnt = Files.createDirectories(work.resolve("mnt/replica-a"));
        Process ours = sleeper(tmp);
        Process stranger = sleeper(tmp);
        Process user = sleeper(mnt);
        long strangerStart = Long.parseLong(startTime(stranger.pid()));
        Files.write(work.resolve("demo.state"), List.of(
                line(ours.pid(), startTime(ours.pid()), "master"),
                // The planner exited and its pid now belongs to another process, started later.
                line(stranger.pid(), Long.toString(strangerStart - 100), "planner"),
                "pool " + work.resolve("pools/replica-a.img") + " " + mnt));

        CliRun run = CliRun.of("demo", "--stop", "--work-dir", work.toString());

        assertTrue(ours.waitFor(30, TimeUnit.SECONDS), "the recorded process is stopped");
        assertTrue(stranger.isAlive(), "a process that only shares a recorded pid is not signalled");
        assertTrue(user.isAlive());
        assertTrue(run.out().contains("stopped master (pid " + ours.pid() + ")"), run.out());
        assertTrue(run.out().contains("planner (pid " + stranger.pid() + ") is not running"), run.out());
        assertTrue(run.out().contains(mnt + " is in use by pid " + user.pid()), run.out());
        assertFalse(run.out().contains("demo stopped"), run.out());
        assertEquals(1, run.exitCode(), run.out() + run.err());
        assertTrue(Files.isDirectory(mnt), "nothing in use is deleted");
        assertTrue(Files.exists(work.resolve("demo.state")), "the state file stays for the next --stop");

        user.destroy();
        assertTrue(user.waitFor(30, TimeUnit.SECONDS));
        // Nothing runs there any more: a second stop finishes the job (the pool was never mounted here).
        CliRun again = CliRun.of("demo", "--stop", "--work-dir", work.toString());
        assertEquals(0, again.exitCode(), again.out() + again.err());
        assertTrue(again.out().contains("demo stopped"), again.out());
        assertFalse(Files.exists(work));
        assertTrue(stranger.isAlive());
    }
}
