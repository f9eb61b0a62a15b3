package org.icbd.rcs.command;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way this project runs external commands.
 *
 * <p>A command is an argument list handed to {@link ProcessBuilder}; no shell ever sees it, so no
 * argument is ever interpreted. Every command gets a bounded stderr tail, drained on its own thread so
 * that the child never blocks writing to it, and one DEBUG log line with its argument list, outcome and
 * duration. Children run with {@code LC_ALL=C} and {@code TZ=UTC0} so that the output parsed by callers
 * depends on neither the host's locale nor its time zone ({@code btrfs subvolume list -s} prints local
 * times without an offset). A child inherits this JVM's environment; a caller may add variables to it
 * (as the replica's post-apply hook's {@code ICBD_*}), never replace it wholesale.
 *
 * <p>Two forms: {@link #run} for small commands whose stdout fits in memory, and {@link #start} for
 * streams, where the caller owns the child's stdin and stdout. Instances are immutable and thread-safe.
 */
public final class CommandRunner {
    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

    /** Default bound on the stdout that {@link #run} keeps: 16 MiB. */
    public static final int DEFAULT_MAX_STDOUT_BYTES = 16 * 1024 * 1024;
    /** Default bound on the stderr tail in bytes: 8 KiB. */
    public static final int DEFAULT_STDERR_TAIL_BYTES = 8 * 1024;
    /** Default bound on the stderr tail in lines. */
    public static final int DEFAULT_STDERR_TAIL_LINES = 50;
    /** Buffer size for copying streams that carry GiBs: 1 MiB. */
    public static final int COPY_BUFFER_BYTES = 1024 * 1024;

    private static final int DRAIN_BUFFER_BYTES = 64 * 1024;

    /** What happens to the stdout of a {@link #start started} command. */
    public enum Stdout {
        /** The caller reads it from {@link RunningCommand#stdout()}, and must, or the child blocks. */
        PIPE,
        /**
         * Merged into the stderr tail, in the order written: for commands whose stdout carries only a
         * few status lines (as {@code btrfs receive}, which prints some of them on stdout, some on
         * stderr).
         */
        TAIL
    }

    private final int maxStdoutBytes;
    private final int stderrTailBytes;
    private final int stderrTailLines;

    /** A runner with the default bounds. */
    public CommandRunner() {
        this(DEFAULT_MAX_STDOUT_BYTES, DEFAULT_STDERR_TAIL_BYTES, DEFAULT_STDERR_TAIL_LINES);
    }

    /**
     * A runner with explicit bounds.
     *
     * @param maxStdoutBytes the most stdout {@link #run} keeps; more fails the command
     * @param stderrTailBytes the most bytes of stderr kept (the newest)
     * @param stderrTailLines the most lines of stderr kept (the newest)
     */
    public CommandRunner(int maxStdoutBytes, int stderrTailBytes, int stderrTailLines) {
        if (maxStdoutBytes < 1 || stderrTailBytes < 1 || stderrTailLines < 1) {
            throw new IllegalArgumentException("bounds must be positive: maxStdoutBytes=" + maxStdoutBytes
                    + ", stderrTailBytes=" + stderrTailBytes + ", stderrTailLines=" + stderrTailLines);
        }
        this.maxStdoutBytes = maxStdoutBytes;
        this.stderrTailBytes = stderrTailBytes;
        this.stderrTailLines = stderrTailLines;
    }

    /**
     * Runs a command to completion and requires exit status 0. Its stdin is empty.
     *
     * @return the result, whose {@code exitCode} is 0
     * @throws CommandFailedException if it exited non-zero
     * @throws CommandTimeoutException if it did not exit within {@code timeout}; it was killed
     * @throws CommandStartException if it could not be started
     * @throws CommandException if it wrote more stdout than this runner keeps, or this thread was
     *     interrupted
     */
    public CommandResult run(List<String> argv, Duration timeout) {
        CommandResult result = runAnyExit(argv, timeout);
        if (!result.succeeded()) {
            throw new CommandFailedException(result.argv(), result.exitCode(), result.stderrTail());
        }
        return result;
    }

    /**
     * Runs a command to completion and returns whatever exit status it had: for commands whose non-zero
     * exit is an answer rather than a failure. Throws as {@link #run} does otherwise.
     */
    public CommandResult runAnyExit(List<String> argv, Duration timeout) {
        return runAnyExit(argv, Map.of(), timeout);
    }

    /**
     * As {@link #runAnyExit(List, Duration)}, with {@code environment} added to the child's environment
     * (an entry of the same name is replaced, {@code LC_ALL} included).
     */
    public CommandResult runAnyExit(List<String> argv, Map<String, String> environment, Duration timeout) {
        requirePositive(timeout);
        long startNanos = System.nanoTime();
        try (RunningCommand command = start(argv, Stdout.PIPE, environment)) {
            closeStdin(command);
            BoundedSink stdout = new BoundedSink(maxStdoutBytes);
            Thread stdoutDrain = drain(command.stdout(), stdout::write, "stdout", command.pid());
            int exitCode = command.awaitExit(timeout);
            join(stdoutDrain, argv, command);
            if (stdout.overflowed) {
                throw new CommandException(argv, CommandException.render(argv) + " wrote more than "
                        + maxStdoutBytes + " bytes to stdout; stream it with CommandRunner.start instead",
                        command.stderrTail(), null);
            }
            return new CommandResult(argv, exitCode, stdout.text(), command.stderrTail(),
                    Duration.ofNanos(System.nanoTime() - startNanos));
        }
    }

    /** Starts a command whose stdout the caller reads ({@link Stdout#PIPE}). */
    public RunningCommand start(List<String> argv) {
        return start(argv, Stdout.PIPE);
    }

    /**
     * Starts a command and returns at once; the caller owns its stdin (and its stdout in {@link
     * Stdout#PIPE} mode) and must close the returned command.
     *
     * @throws CommandStartException if it could not be started
     */
    public RunningCommand start(List<String> argv, Stdout stdout) {
        return start(argv, stdout, Map.of());
    }

    /**
     * As {@link #start(List, Stdout)}, with {@code environment} added to the child's environment (an entry
     * of the same name is replaced, {@code LC_ALL} included).
     *
     * @throws CommandStartException if it could not be started
     */
    public RunningCommand start(List<String> argv, Stdout stdout, Map<String, String> environment) {
        List<String> command = List.copyOf(argv);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        // Map.copyOf rejects null names and values: an unset variable is left out, never passed as "null".
        Map<String, String> added = Map.copyOf(Objects.requireNonNull(environment, "environment"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("TZ", "UTC0");
        builder.environment().putAll(added);
        builder.redirectErrorStream(stdout == Stdout.TAIL);
        long startNanos = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            log.debug("{} could not be started: {}", CommandException.render(command), e.getMessage());
            throw new CommandStartException(command, e);
        }
        OutputTail tail = new OutputTail(stderrTailBytes, stderrTailLines);
        // With the streams merged, the child's stdout pipe carries its stderr too, and getErrorStream()
        // is an empty stream.
        InputStream tailSource = stdout == Stdout.TAIL ? process.getInputStream() : process.getErrorStream();
        Thread tailDrain = drain(tailSource, tail::write, "stderr", process.pid());
        return new RunningCommand(command, process, tail, tailDrain, startNanos);
    }

    /** Receives bytes read by a drain thread. */
    private interface ByteSink {
        void write(byte[] bytes, int offset, int length);
    }

    /** Reads {@code source} to end of file on a daemon thread, handing every chunk to {@code sink}. */
    private static Thread drain(InputStream source, ByteSink sink, String what, long pid) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[DRAIN_BUFFER_BYTES];
            try (source) {
                int n;
                while ((n = source.read(buffer)) >= 0) {
                    sink.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // The stream was closed because the command was destroyed: what was read is all there is.
                log.trace("{} drain of pid {} ended: {}", what, pid, e.getMessage());
            }
        }, "cmd-" + what + "-" + pid);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void join(Thread drain, List<String> argv, RunningCommand command) {
        try {
            drain.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException(argv, "interrupted while reading the stdout of "
                    + CommandException.render(argv), command.stderrTail(), e);
        }
        if (drain.isAlive()) {
            // A descendant still holds the pipe open after the command exited: its output is not ours.
            log.warn("stdout of {} still open after it exited; a descendant holds it", CommandException.render(argv));
            closeQuietly(command.stdout());
        }
    }

    private static void closeStdin(RunningCommand command) {
        try {
            command.stdin().close();
        } catch (IOException e) {
            // The child already exited: it needed no input.
        }
    }

    private static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // Nothing more to read from it either way.
        }
    }

    private static void requirePositive(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** Keeps the first {@code max} bytes; beyond that only notes the overflow, still reading to EOF. */
    private static final class BoundedSink {
        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private volatile boolean overflowed;

        BoundedSink(int max) {
            this.max = max;
        }

        void write(byte[] buffer, int offset, int length) {
            int room = max - bytes.size();
            if (length > room) {
                overflowed = true;
            }
            bytes.write(buffer, offset, Math.max(0, Math.min(length, room)));
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
