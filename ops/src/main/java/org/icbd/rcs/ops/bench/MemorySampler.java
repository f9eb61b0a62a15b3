package org.icbd.rcs.ops.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Samples the resident memory ({@code VmRSS} in {@code /proc/<pid>/status}) of some processes every
 * {@value #PERIOD_MILLIS} ms while a transfer runs, and keeps the peak per process. {@code VmHWM}
 * (the peak since the process started) is read too at the end, as a check on what sampling missed.
 */
final class MemorySampler implements AutoCloseable {

    static final long PERIOD_MILLIS = 50;

    private final Map<String, Long> pids;
    private final Map<String, Long> peaks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final ScheduledFuture<?> task;

    /** Starts sampling {@code pids} (by site name). */
    MemorySampler(Map<String, Long> pids) {
        this.pids = Map.copyOf(pids);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "memory-sampler");
            t.setDaemon(true);
            return t;
        });
        this.task = timer.scheduleAtFixedRate(this::sample, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        pids.forEach((name, pid) -> status(pid, "VmRSS:").ifPresent(rss -> peaks.merge(name, rss, Math::max)));
    }

    /** Stops sampling and returns the peak VmRSS per site seen while it ran, in bytes. */
    Map<String, Long> stop() {
        task.cancel(false);
        timer.shutdown();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        return Map.copyOf(peaks);
    }

    /** The peak resident memory since the process started ({@code VmHWM}), in bytes. */
    static OptionalLong highWaterMark(long pid) {
        return status(pid, "VmHWM:");
    }

    /** A {@code kB} field of {@code /proc/<pid>/status}, in bytes; empty once the process is gone. */
    static OptionalLong status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return OptionalLong.of(Long.parseLong(line.substring(field.length()).replace("kB", "").strip())
                            * 1024);
                }
            }
        } catch (IOException | NumberFormatException gone) {
            // The process has exited.
        }
        return OptionalLong.empty();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
