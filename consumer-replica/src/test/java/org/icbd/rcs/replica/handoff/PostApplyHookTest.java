package org.icbd.rcs.replica.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.HookReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The hook as a real child process: a script the test writes, run directly by its argument list. */
@Timeout(60)
class PostApplyHookTest {

    @TempDir
    Path dir;

    /** A hook that appends its environment to the file named by its first argument, then exits as told. */
    private Path script(String name, String tail) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n"
                + "printf 'image=%s version=%s path=%s\\n' \"$ICBD_IMAGE\" \"$ICBD_VERSION\" \"$ICBD_PATH\" >> \"$1\"\n"
                + tail);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private PostApplyHook hook(Path script, Path log, Duration timeout) {
        return new PostApplyHook("r1", Optional.of(new PostApplyCommand(List.of(script.toString(), log.toString()),
                timeout)), new CommandRunner());
    }

    @Test
    void theHookGetsTheImageTheVersionAndItsPath() throws IOException {
        Path log = dir.resolve("calls");
        Optional<HookReport> report = hook(script("ok", "exit 0\n"), log, Duration.ofSeconds(20))
                .afterPromotion("ubuntu", 7, Path.of("/srv/icbd/images/ubuntu/versions/7"));
        assertTrue(report.orElseThrow().ok(), report.toString());
        assertEquals(Optional.of(0), report.get().exitCode());
        assertEquals(List.of("image=ubuntu version=7 path=/srv/icbd/images/ubuntu/versions/7"),
                Files.readAllLines(log));
    }

    @Test
    void aNonZeroExitIsReportedWithItsCodeAndStderr() throws IOException {
        Path log = dir.resolve("calls");
        HookReport report = hook(script("fails", "echo 'exportfs: busy' >&2\nexit 3\n"), log, Duration.ofSeconds(20))
                .afterPromotion("ubuntu", 2, Path.of("/p/images/ubuntu/versions/2")).orElseThrow();
        assertFalse(report.ok());
        assertEquals(Optional.of(3), report.exitCode());
        String error = report.error().orElseThrow();
        assertTrue(error.contains("exited 3") && error.contains("exportfs: busy"), error);
        assertEquals(1, Files.readAllLines(log).size(), "run once");
    }

    @Test
    void aHookBeyondItsTimeoutIsKilledAndReported() throws IOException {
        Path log = dir.resolve("calls");
        HookReport report = hook(script("hangs", "exec sleep 30\n"), log, Duration.ofMillis(300))
                .afterPromotion("ubuntu", 2, Path.of("/p/images/ubuntu/versions/2")).orElseThrow();
        assertEquals(Optional.empty(), report.exitCode());
        assertTrue(report.error().orElseThrow().contains("did not exit within"), report.error().get());
        assertTrue(report.millis() < 20_000, "killed at its timeout, not waited for: " + report.millis() + " ms");
    }

    @Test
    void aHookThatCannotStartIsReported() {
        HookReport report = new PostApplyHook("r1", Optional.of(new PostApplyCommand(
                List.of(dir.resolve("missing").toString()), Duration.ofSeconds(5))), new CommandRunner())
                .afterPromotion("ubuntu", 1, Path.of("/p/images/ubuntu/versions/1")).orElseThrow();
        assertEquals(Optional.empty(), report.exitCode());
        assertTrue(report.error().orElseThrow().contains("could not start"), report.error().get());
    }

    @Test
    void withoutAHookNothingRunsAndNothingIsReported() {
        assertEquals(Optional.empty(), PostApplyHook.none().afterPromotion("ubuntu", 1, Path.of("/p")));
    }

    @Test
    void theCommandIsAnAbsoluteExecutableWithAPositiveTimeout() {
        assertThrows(IllegalArgumentException.class, () -> new PostApplyCommand(List.of(), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new PostApplyCommand(List.of("exportfs", "-ra"), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new PostApplyCommand(List.of("/x"), Duration.ZERO));
    }
}
