package org.icbd.rcs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches some processes while a transfer runs: samples their resident memory ({@code VmRSS} in
 * {@code /proc/<pid>/status}) every {@value #PERIOD_MILLIS} ms and keeps the peak, and takes the CPU
 * time they used ({@code /proc/<pid>/stat}): their own threads' (utime + stime) and that of their
 * children that ended and were waited for (cutime + cstime), which is where a site's
 * {@code btrfs send} or {@code btrfs receive} lands once it exits.
 */
public final class ProcessSampler implements AutoCloseable {

    static final long PERIOD_MILLIS = 50;
    /** USER_HZ: the unit of the times in /proc/<pid>/stat; 100 on every Linux ABI this runs on. */
    public static final double TICKS_PER_SECOND = 100.0;

    private final Map<String, Long> pids;
    private final Map<String, long[]> cpuAtStart = new LinkedHashMap<>();
    private final Map<String, Long> peaks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final ScheduledFuture<?> task;

    /** What was observed of the processes between start and stop. */
    record Observed(Map<String, Long> peakRss, Map<String, Double> cpuSeconds) {
    }

    /** Starts watching {@code pids} (by site name). */
    ProcessSampler(Map<String, Long> pids) {
        this.pids = Map.copyOf(pids);
        pids.forEach((name, pid) -> cpuTicks(pid).ifPresent(t -> cpuAtStart.put(name, t)));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "process-sampler");
            t.setDaemon(true);
            return t;
        });
        this.task = timer.scheduleAtFixedRate(this::sample, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        pids.forEach((name, pid) -> status(pid, "VmRSS:").ifPresent(rss -> peaks.merge(name, rss, Math::max)));
    }

    /**
     * Stops and returns the peak VmRSS per site in bytes, and CPU seconds per site ({@code <site>})
     * and per site's ended children ({@code <site> children}).
     */
    Observed stop() {
        task.cancel(false);
        timer.shutdown();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        Map<String, Double> cpu = new LinkedHashMap<>();
        cpuAtStart.forEach((name, start) -> cpuTicks(pids.get(name)).ifPresent(end -> {
            cpu.put(name, (end[0] - start[0]) / TICKS_PER_SECOND);
            cpu.put(name + " children", (end[1] - start[1]) / TICKS_PER_SECOND);
        }));
        return new Observed(Map.copyOf(peaks), cpu);
    }

    /** {own utime + stime, waited-for children's cutime + cstime} in ticks; empty once the process is gone. */
    public static Optional<long[]> cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name, in parentheses, may hold spaces: count fields after its closing one.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]),
                    Long.parseLong(f[13]) + Long.parseLong(f[14])});
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    /** A {@code kB} field of {@code /proc/<pid>/status}, in bytes; empty once the process is gone. */
    public static OptionalLong status(long pid, String field) {
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
