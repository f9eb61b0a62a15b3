package org.icbd.rcs.btrfs;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.command.CommandException;
import org.icbd.rcs.command.CommandFailedException;
import org.icbd.rcs.command.RunningCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stdout of a running {@code btrfs send}: read it to end of file, then {@link #close()} it, which
 * waits for {@code btrfs send} to exit and throws {@link CommandFailedException} (exit code and btrfs's
 * stderr) if it failed. A send that fails midway ends its stream early, so only {@code close()} tells a
 * whole stream from a truncated one: never use the bytes of a stream whose close threw.
 *
 * <p>Closing before end of file abandons the stream: {@code btrfs send} is killed and nothing is thrown,
 * since the reader has its own reason to stop. Not thread-safe, like most input streams.
 */
public final class SendStream extends InputStream {
    private static final Logger log = LoggerFactory.getLogger(SendStream.class);

    private final RunningCommand command;
    private final InputStream stdout;
    private final Duration exitTimeout;
    private final long startNanos = System.nanoTime();
    private long bytesRead;
    private boolean endOfStream;
    private boolean closed;

    SendStream(RunningCommand command, Duration exitTimeout) {
        this.command = command;
        this.stdout = command.stdout();
        this.exitTimeout = exitTimeout;
    }

    @Override
    public int read() throws IOException {
        int b = stdout.read();
        if (b < 0) {
            endOfStream = true;
        } else {
            bytesRead++;
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = stdout.read(buffer, offset, length);
        if (n < 0) {
            endOfStream = true;
        } else {
            bytesRead += n;
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return stdout.available();
    }

    /** The {@code btrfs send} command line. */
    public List<String> argv() {
        return command.argv();
    }

    /** The bytes read from the stream so far. */
    public long bytesRead() {
        return bytesRead;
    }

    /** What {@code btrfs send} wrote to stderr so far (bounded). */
    public String stderrTail() {
        return command.stderrTail();
    }

    /**
     * At end of file: waits for {@code btrfs send} to exit and requires status 0. Before end of file:
     * kills it. Idempotent.
     *
     * @throws CommandFailedException if {@code btrfs send} exited non-zero, with its stderr
     * @throws org.icbd.rcs.command.CommandTimeoutException if it did not exit in time after its stdout
     *     ended
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (endOfStream) {
                command.awaitSuccess(exitTimeout);
                log.info("{} streamed {} bytes in {} ms", CommandException.render(command.argv()), bytesRead,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
            } else if (command.isAlive()) {
                log.info("{} abandoned by its reader after {} bytes; killing it", CommandException.render(command.argv()),
                        bytesRead);
            }
        } finally {
            command.close();
        }
    }
}
