package org.icbd.rcs.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ceiling without a network: {@code btrfs send [-p parent] snapshot | btrfs receive -e dir},
 * the two processes joined by a kernel pipe ({@link ProcessBuilder#startPipeline}), so that no JVM
 * copies a byte. Both are argument lists; no shell is involved.
 */
final class RawPipe {

    private static final Logger LOG = LoggerFactory.getLogger(RawPipe.class);
    private static final int COPY_BUFFER_BYTES = 1 << 20;

    private final Path logDir;
    private final Duration timeout;
    /** The processes of the pipe in flight, so that clean-up can kill them. */
    private final List<Process> running = new CopyOnWriteArrayList<>();

    RawPipe(Path logDir, Duration timeout) {
        this.logDir = logDir;
        this.timeout = timeout;
    }

    /** Runs the pipe once and returns its duration in nanoseconds; throws when either side fails. */
    long sendReceive(Path snapshot, Optional<Path> parent, Path intoDir) {
        return sendInto(snapshot, parent, List.of("btrfs", "receive", "-e", intoDir.toString()), "raw");
    }

    /**
     * {@code btrfs send [-p parent] snapshot | <receiver>} once, e.g. an {@code ssh ... btrfs receive};
     * returns its duration in nanoseconds; throws when either side fails. The two sides log to
     * {@code <logName>-send.log} and {@code <logName>-receive.log}.
     */
    long sendInto(Path snapshot, Optional<Path> parent, List<String> receiver, String logName) {
        Path sendLog = logDir.resolve(logName + "-send.log");
        Path receiveLog = logDir.resolve(logName + "-receive.log");
        ProcessBuilder send = new ProcessBuilder(sendArgv(snapshot, parent))
                .redirectError(ProcessBuilder.Redirect.appendTo(sendLog.toFile()));
        ProcessBuilder receive = new ProcessBuilder(receiver)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(receiveLog.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(receiveLog.toFile()));
        long start = System.nanoTime();
        List<Process> pipeline;
        try {
            pipeline = ProcessBuilder.startPipeline(List.of(send, receive));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start btrfs send | " + receiver.get(0) + ": " + e.getMessage(), e);
        }
        running.addAll(pipeline);
        try {
            for (Process p : pipeline) {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException(String.join(" ", p.info().commandLine().orElse("btrfs"))
                            + " did not finish within " + timeout.toSeconds() + " s");
                }
            }
            long nanos = System.nanoTime() - start;
            int sendExit = pipeline.get(0).exitValue();
            int receiveExit = pipeline.get(1).exitValue();
            if (sendExit != 0 || receiveExit != 0) {
                throw new IllegalStateException("btrfs send exited " + sendExit + ", " + receiver.get(0) + " exited "
                        + receiveExit + "; see " + sendLog + " and " + receiveLog);
            }
            LOG.info("{} pipe {} into {} in {} ms", logName, snapshot, receiver, nanos / 1_000_000);
            return nanos;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during btrfs send | btrfs receive", e);
        } finally {
            pipeline.forEach(Process::destroyForcibly);
            running.removeAll(pipeline);
        }
    }

    /**
     * {@code btrfs send} alone, its stream read and counted by this JVM: the size of the stream and
     * how fast btrfs produces it. Returns {bytes, nanoseconds}.
     */
    long[] sendOnly(Path snapshot, Optional<Path> parent) {
        ProcessBuilder send = new ProcessBuilder(sendArgv(snapshot, parent))
                .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve("raw-send.log").toFile()));
        long start = System.nanoTime();
        Process p;
        try {
            p = send.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start btrfs send: " + e.getMessage(), e);
        }
        running.add(p);
        try (InputStream in = p.getInputStream()) {
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            long bytes = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes += n;
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("btrfs send of " + snapshot + " failed; see "
                        + logDir.resolve("raw-send.log"));
            }
            return new long[] {bytes, System.nanoTime() - start};
        } catch (IOException e) {
            throw new UncheckedIOException("reading btrfs send of " + snapshot + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during btrfs send", e);
        } finally {
            p.destroyForcibly();
            running.remove(p);
        }
    }

    /**
     * {@code btrfs send [-p parent] snapshot | <filter>}, the filter's output counted by this JVM:
     * e.g. the size of the stream as {@code lz4 -c} compresses it.
     */
    long filteredBytes(Path snapshot, Optional<Path> parent, List<String> filter) {
        ProcessBuilder send = new ProcessBuilder(sendArgv(snapshot, parent))
                .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve("raw-send.log").toFile()));
        ProcessBuilder filtering = new ProcessBuilder(filter)
                .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve("raw-send.log").toFile()));
        List<Process> pipeline;
        try {
            pipeline = ProcessBuilder.startPipeline(List.of(send, filtering));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start btrfs send | " + String.join(" ", filter) + ": "
                    + e.getMessage(), e);
        }
        running.addAll(pipeline);
        try (InputStream in = pipeline.get(1).getInputStream()) {
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            long bytes = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes += n;
            }
            for (Process p : pipeline) {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("btrfs send of " + snapshot + " | " + String.join(" ", filter)
                            + " failed; see " + logDir.resolve("raw-send.log"));
                }
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading btrfs send of " + snapshot + " | " + String.join(" ", filter)
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during btrfs send | " + filter.get(0), e);
        } finally {
            pipeline.forEach(Process::destroyForcibly);
            running.removeAll(pipeline);
        }
    }

    private static List<String> sendArgv(Path snapshot, Optional<Path> parent) {
        List<String> argv = new ArrayList<>(List.of("btrfs", "send", "-q"));
        parent.ifPresent(p -> {
            argv.add("-p");
            argv.add(p.toString());
        });
        argv.add(snapshot.toString());
        return argv;
    }

    /** Kills whatever is in flight (clean-up on failure or Ctrl-C). */
    void killRunning() {
        for (Process p : running) {
            p.destroyForcibly();
        }
    }
}
