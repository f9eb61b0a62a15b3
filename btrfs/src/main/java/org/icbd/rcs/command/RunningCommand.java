package org.icbd.rcs.command;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started command whose stdin and stdout belong to the caller: used for streams that carry GiBs
 * ({@code btrfs send} is read, {@code btrfs receive} is written). Its stderr is drained on a thread of
 * its own into a bounded tail, so the child never blocks on it.
 *
 * <p>Close it (try-with-resources): {@link #close()} kills the child if it is still running, so an
 * abandoned command never outlives its owner. The one log line of the command is written when its exit
 * is observed ({@link #awaitExit}) or when it is killed, whichever comes first.
 */
public final class RunningCommand implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunningCommand.class);

    /** After the child has exited, how long its output pipes may take to reach end of file. */
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);
    /** How long a killed child may take to be reaped. */
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);

    private final List<String> argv;
    private final Process process;
    private final OutputTail tail;
    private final Thread tailDrain;
    private final long startNanos;
    private final AtomicBoolean logged = new AtomicBoolean();

    RunningCommand(List<String> argv, Process process, OutputTail tail, Thread tailDrain, long startNanos) {
        this.argv = argv;
        this.process = process;
        this.tail = tail;
        this.tailDrain = tailDrain;
        this.startNanos = startNanos;
    }

    /** The command as it was started. */
    public List<String> argv() {
        return argv;
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** The child's stdin; close it to signal end of input. */
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /**
     * The child's stdout. With {@link CommandRunner.Stdout#PIPE} the caller must read it (or the child
     * blocks once the pipe is full); with {@link CommandRunner.Stdout#TAIL} it is always at end of file.
     */
    public InputStream stdout() {
        return process.getInputStream();
    }

    /** Whether the child is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines the child wrote to stderr (and to stdout in {@code TAIL} mode), bounded. */
    public String stderrTail() {
        return tail.text();
    }

    /**
     * Waits for the child to exit and returns its exit status.
     *
     * @throws CommandTimeoutException if it did not exit in time; it has then been killed
     * @throws CommandException if this thread was interrupted; the child has then been killed and the
     *     interrupt flag is set again
     */
    public int awaitExit(Duration timeout) {
        boolean exited;
        try {
            exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            destroy();
            Thread.currentThread().interrupt();
            throw new CommandException(argv, "interrupted while waiting for " + CommandException.render(argv)
                    + "; it was killed", stderrTail(), e);
        }
        if (!exited) {
            destroy();
            throw new CommandTimeoutException(argv, timeout, stderrTail());
        }
        awaitTailDrained();
        int exitCode = process.exitValue();
        logOnce("exited " + exitCode);
        return exitCode;
    }

    /**
     * Waits for the child to exit and requires status 0.
     *
     * @throws CommandFailedException if it exited non-zero, with its stderr tail
     * @throws CommandTimeoutException if it did not exit in time; it has then been killed
     */
    public void awaitSuccess(Duration timeout) {
        int exitCode = awaitExit(timeout);
        if (exitCode != 0) {
            throw new CommandFailedException(argv, exitCode, stderrTail());
        }
    }

    /**
     * Kills the child and its descendants (SIGKILL) and waits for it to be reaped. Idempotent; does
     * nothing to a child that has already exited.
     */
    public void destroy() {
        if (process.isAlive()) {
            // Descendants first: once the child is gone they are re-parented and no longer reachable.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            boolean reaped = false;
            try {
                reaped = process.waitFor(KILL_GRACE.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (reaped) {
                logOnce("was killed (exit " + process.exitValue() + ")");
            } else {
                log.warn("{} (pid {}) did not die within {} of SIGKILL", CommandException.render(argv),
                        process.pid(), KILL_GRACE);
            }
        }
        closeQuietly(process.getOutputStream());
        closeQuietly(process.getInputStream());
    }

    /** Kills the child if it is still running (see {@link #destroy()}); otherwise only releases the pipes. */
    @Override
    public void close() {
        if (!process.isAlive() && !logged.get()) {
            logOnce("exited " + process.exitValue());
        }
        destroy();
    }

    private void awaitTailDrained() {
        try {
            // The pipe reaches EOF when the child exits, unless a grandchild still holds it: then the
            // tail is as complete as it will get within the grace.
            tailDrain.join(DRAIN_GRACE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void logOnce(String outcome) {
        if (logged.compareAndSet(false, true)) {
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            log.debug("{} {} after {} ms", CommandException.render(argv), outcome, millis);
        }
    }

    private static void closeQuietly(java.io.Closeable stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // A broken pipe to a dead child: nothing is left to tell it.
        }
    }
}
