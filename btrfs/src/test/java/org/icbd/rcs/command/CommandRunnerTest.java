package org.icbd.rcs.command;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CommandRunnerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final CommandRunner runner = new CommandRunner();

    @Test
    void trueSucceedsWithEmptyOutput() {
        CommandResult result = runner.run(List.of("true"), TIMEOUT);
        assertEquals(0, result.exitCode());
        assertTrue(result.succeeded());
        assertEquals("", result.stdout());
        assertEquals("", result.stderrTail());
        assertEquals(List.of("true"), result.argv());
    }

    @Test
    void falseFailsWithItsExitCodeAndTheCommandInTheMessage() {
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> runner.run(List.of("false"), TIMEOUT));
        assertEquals(1, e.exitCode());
        assertEquals(List.of("false"), e.argv());
        assertEquals("`false` exited 1 (no stderr output)", e.getMessage());

        assertEquals(1, runner.runAnyExit(List.of("false"), TIMEOUT).exitCode());
    }

    @Test
    void argumentsReachTheCommandLiterallyWithoutAShell() {
        CommandResult result = runner.run(List.of("printf", "%s|", "a b", "$HOME", "*", "; rm -rf /", "'q'"), TIMEOUT);
        assertEquals("a b|$HOME|*|; rm -rf /|'q'|", result.stdout());
    }

    @Test
    void commandsRunInTheCLocaleAndInUtc() {
        assertEquals("C\nUTC0\n", runner.run(List.of("printenv", "LC_ALL", "TZ"), TIMEOUT).stdout());
        assertEquals("+0000\n", runner.run(List.of("date", "+%z"), TIMEOUT).stdout());
    }

    @Test
    void stdoutLargerThanAPipeBufferIsCapturedWhole() {
        CommandResult result = runner.run(List.of("head", "-c", "5000000", "/dev/zero"), TIMEOUT);
        assertEquals(5_000_000, result.stdout().length());
    }

    @Test
    void stdoutBeyondTheBoundFailsClearly() {
        CommandRunner small = new CommandRunner(1000, 1024, 10);
        CommandException e = assertThrows(CommandException.class,
                () -> small.run(List.of("head", "-c", "5000", "/dev/zero"), TIMEOUT));
        assertTrue(e.getMessage().contains("wrote more than 1000 bytes to stdout"), e.getMessage());
    }

    @Test
    void stderrReachesTheFailureMessage() {
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> runner.run(List.of("ls", "/definitely/not/here"), TIMEOUT));
        assertEquals(2, e.exitCode());
        assertTrue(e.stderrTail().contains("No such file or directory"), e.stderrTail());
        assertTrue(e.getMessage().startsWith("`ls /definitely/not/here` exited 2: ls: cannot access"),
                e.getMessage());
    }

    @Test
    void stderrTailIsBoundedInLinesAndBytes() {
        CommandRunner bounded = new CommandRunner(1024, 1024, 10);
        List<String> argv = List.of("awk",
                "BEGIN { for (i = 1; i <= 100000; i++) print \"line \" i > \"/dev/stderr\"; exit 3 }");
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> bounded.run(argv, TIMEOUT));
        assertEquals(3, e.exitCode());
        List<String> lines = e.stderrTail().lines().toList();
        assertEquals(10, lines.size(), e.stderrTail());
        assertEquals("line 99991", lines.get(0));
        assertEquals("line 100000", lines.get(9));

        List<String> longLines = List.of("awk",
                "BEGIN { for (i = 1; i <= 100; i++) printf \"%0200d\\n\", i > \"/dev/stderr\" }");
        String tail = new CommandRunner(1024, 1024, 50).run(longLines, TIMEOUT).stderrTail();
        assertTrue(tail.length() <= 1024, "tail of " + tail.length() + " chars");
        assertTrue(tail.lines().allMatch(line -> line.length() == 200), tail);
        assertTrue(tail.endsWith("100"), tail);
    }

    @Test
    void catStreamsMegabytesBothWays() throws Exception {
        byte[] input = new byte[8 * 1024 * 1024];
        new Random(7).nextBytes(input);
        try (RunningCommand cat = runner.start(List.of("cat"))) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (OutputStream stdin = cat.stdin()) {
                    stdin.write(input);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] output = readAll(cat.stdout());
            writer.get();
            cat.awaitSuccess(TIMEOUT);
            assertArrayEquals(input, output);
        }
    }

    @Test
    void timeoutKillsTheCommand() {
        long start = System.nanoTime();
        CommandTimeoutException e = assertThrows(CommandTimeoutException.class,
                () -> runner.run(List.of("sleep", "30"), Duration.ofMillis(200)));
        assertEquals(Duration.ofMillis(200), e.timeout());
        assertTrue(e.getMessage().startsWith("`sleep 30` did not exit within PT0.2S and was killed"),
                e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
    }

    @Test
    void awaitExitTimeoutKillsAStartedCommand() {
        RunningCommand sleep = runner.start(List.of("sleep", "30"));
        try {
            assertThrows(CommandTimeoutException.class, () -> sleep.awaitExit(Duration.ofMillis(100)));
            assertFalse(sleep.isAlive());
        } finally {
            sleep.close();
        }
    }

    @Test
    void destroyKillsTheCommandAndItsDescendants() {
        // `timeout` runs `sleep` as its child: a two-level process tree without a shell.
        RunningCommand tree = runner.start(List.of("timeout", "60", "sleep", "60"));
        try {
            ProcessHandle child = await().atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(tree.pid()).flatMap(p -> p.children().findFirst()),
                            java.util.Optional::isPresent)
                    .orElseThrow();
            tree.destroy();
            assertFalse(tree.isAlive());
            await().atMost(Duration.ofSeconds(10)).until(() -> !child.isAlive());
            tree.destroy();
        } finally {
            tree.close();
        }
    }

    @Test
    void closeKillsAnAbandonedCommand() {
        RunningCommand sleep = runner.start(List.of("sleep", "30"));
        ProcessHandle handle = ProcessHandle.of(sleep.pid()).orElseThrow();
        sleep.close();
        assertFalse(handle.isAlive());
    }

    @Test
    void tailModeMergesStdoutIntoTheTail() {
        try (RunningCommand printf = runner.start(List.of("printf", "At snapshot v2\\n"), CommandRunner.Stdout.TAIL)) {
            printf.awaitSuccess(TIMEOUT);
            assertEquals("At snapshot v2", printf.stderrTail());
        }
    }

    @Test
    void aMissingExecutableGivesAClearError() {
        CommandStartException e = assertThrows(CommandStartException.class,
                () -> runner.run(List.of("/nonexistent/icbd-no-such-tool", "--help"), TIMEOUT));
        assertTrue(e.getMessage().startsWith("could not start `/nonexistent/icbd-no-such-tool --help`: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        assertEquals("", e.stderrTail());
    }

    @Test
    void rejectsEmptyCommandsAndTimeouts() {
        assertThrows(IllegalArgumentException.class, () -> runner.run(List.of(), TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> runner.run(List.of("true"), Duration.ZERO));
    }

    @Test
    void addedVariablesReachTheChildBesideTheInheritedOnes() {
        CommandResult result = runner.runAnyExit(List.of("env"),
                Map.of("ICBD_IMAGE", "ubuntu", "ICBD_PATH", "/srv/icbd/images/ubuntu/versions/3"), TIMEOUT);
        List<String> lines = List.of(result.stdout().split("\n"));
        assertTrue(lines.contains("ICBD_IMAGE=ubuntu"), result.stdout());
        assertTrue(lines.contains("ICBD_PATH=/srv/icbd/images/ubuntu/versions/3"), result.stdout());
        assertTrue(lines.contains("LC_ALL=C"), result.stdout());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("PATH=")), "the JVM's environment is inherited");

        assertFalse(runner.run(List.of("env"), TIMEOUT).stdout().contains("ICBD_IMAGE="),
                "variables added to one command do not leak into the next");
    }

    @Test
    void aNullVariableIsRejectedBeforeAnythingStarts() {
        Map<String, String> env = new HashMap<>();
        env.put("ICBD_VERSION", null);
        assertThrows(NullPointerException.class, () -> runner.runAnyExit(List.of("true"), env, TIMEOUT));
    }

    @Test
    void renderQuotesOnlyWhatNeedsIt() {
        assertEquals("`btrfs receive -e '/a b' 'it'\\''s' ''`",
                CommandException.render(List.of("btrfs", "receive", "-e", "/a b", "it's", "")));
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[CommandRunner.COPY_BUFFER_BYTES];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void stdoutIsDecodedAsUtf8() {
        assertEquals("größe", runner.run(List.of("printf", "größe"), TIMEOUT).stdout());
        assertEquals("größe".getBytes(StandardCharsets.UTF_8).length, 7);
    }
}
