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
        ProcessBuilder send = new ProcessBuilder(sendArgv(snapshot, parent))
                .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve("raw-send.log").toFile()));
        ProcessBuilder receive = new ProcessBuilder(List.of("btrfs", "receive", "-e", intoDir.toString()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("raw-receive.log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve("raw-receive.log").toFile()));
        long start = System.nanoTime();
        List<Process> pipeline;
        try {
            pipeline = ProcessBuilder.startPipeline(List.of(send, receive));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start btrfs send | btrfs receive: " + e.getMessage(), e);
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
                throw new IllegalStateException("btrfs send exited " + sendExit + ", btrfs receive exited " + receiveExit
                        + "; see " + logDir.resolve("raw-send.log") + " and " + logDir.resolve("raw-receive.log"));
            }
            LOG.info("raw pipe {} into {} in {} ms", snapshot, intoDir, nanos / 1_000_000);
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
