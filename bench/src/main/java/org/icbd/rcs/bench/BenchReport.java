package org.icbd.rcs.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.topic.EventJson;

/**
 * The outcome of one bench run, as printed and as written to JSON for comparison between runs.
 *
 * @param startedAt   when the run started
 * @param seconds     how long the whole run took
 * @param settings    what was asked
 * @param machine     CPUs, kernel, load averages before and after (other work on the host skews figures)
 * @param dataset     what was generated: files, bytes, the update's share
 * @param link        the shaped link: qdisc as applied, TCP probe goodput (link cases only)
 * @param cases       one entry per case, in the order measured
 * @param targets     the goals and whether the figures meet them
 */
public record BenchReport(Instant startedAt, double seconds, Map<String, Object> settings, Map<String, Object> machine,
                          Map<String, Object> dataset, Optional<Map<String, Object>> link, List<CaseResult> cases,
                          List<Target> targets) {

    private static final double MIB = 1024.0 * 1024.0;

    public void writeJson(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            EventJson.mapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bench report to " + file + ": " + e.getMessage(), e);
        }
    }

    /** The table operators read: one line per case, then the targets. */
    public void print(PrintWriter out) {
        out.printf(Locale.ROOT, "icbd bench: %s%n", dataset.get("summary"));
        out.printf(Locale.ROOT, "machine: %s%n", machine.get("summary"));
        link.ifPresent(l -> out.printf(Locale.ROOT, "link: %s%n", l.get("summary")));
        out.println();
        String header = String.format(Locale.ROOT, "%-22s %-6s %14s %14s %24s %10s %7s %17s",
                "case", "step", "wire bytes", "stream bytes", "seconds median (min-max)", "stream MB/s", "x raw",
                "peak RSS MiB m/r");
        out.println(header);
        out.println("-".repeat(header.length()));
        for (CaseResult c : cases) {
            String rss = c.peakRssBytes().isEmpty() ? "-" : String.format(Locale.ROOT, "%s/%s",
                    mib(c.peakRssBytes().get("master")), mib(c.peakRssBytes().get("replica")));
            out.printf(Locale.ROOT, "%-22s %-6s %14d %14d %24s %10.1f %7s %17s%n", c.name(), c.step(), c.wireBytes(),
                    c.streamBytes(), String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", c.seconds().median(),
                            c.seconds().min(), c.seconds().max()),
                    c.streamMBps(), c.ratioToRaw().map(r -> String.format(Locale.ROOT, "%.2f", r)).orElse("-"), rss);
        }
        out.println();
        out.println("phases, seconds (median): a step is connect + transfer + promote + flush; every case but "
                + "`raw send|receive` ends with the same write-back of the replica pool (btrfs filesystem sync), "
                + "counted in its seconds, so that x raw (against `raw send|receive+flush`) compares like with like");
        for (CaseResult c : cases) {
            if (c.phases().isEmpty()) {
                continue;
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-22s %-6s", c.name(), c.step()));
            c.phases().forEach((phase, seconds) -> line.append(String.format(Locale.ROOT, "  %s %.2f", phase, seconds)));
            out.println(line);
        }
        out.println();
        out.println("where the CPU goes: seconds per GB of stream (median); on this host's "
                + machine.get("cpus") + " CPUs a step cannot beat total / " + machine.get("cpus") + " per GB");
        String cpuHeader = String.format(Locale.ROOT, "%-22s %-6s %11s %11s %11s %13s %9s %9s", "case", "step",
                "btrfs send", "master JVM", "replica JVM", "btrfs receive", "total", "wall");
        out.println(cpuHeader);
        out.println("-".repeat(cpuHeader.length()));
        for (CaseResult c : cases) {
            if (c.cpuSeconds().isEmpty() || c.name().startsWith("btrfs send only")) {
                continue;
            }
            double gb = c.streamBytes() / 1e9;
            Map<String, Double> cpu = c.cpuSeconds();
            double total = cpu.values().stream().mapToDouble(Double::doubleValue).sum();
            if (!cpu.containsKey("master")) {
                // The raw pipe and the peers: btrfs send and receive, ssh, sshd, btrbk, lz4 together.
                out.printf(Locale.ROOT, "%-22s %-6s %37s %13s %9.2f %9.2f%n", c.name(), c.step(),
                        "(every process together)", "", total / gb, c.seconds().median() / gb);
            } else {
                out.printf(Locale.ROOT, "%-22s %-6s %11.2f %11.2f %11.2f %13.2f %9.2f %9.2f%n", c.name(), c.step(),
                        cpu.getOrDefault("master children", 0.0) / gb, cpu.getOrDefault("master", 0.0) / gb,
                        cpu.getOrDefault("replica", 0.0) / gb, cpu.getOrDefault("replica children", 0.0) / gb,
                        total / gb, c.seconds().median() / gb);
            }
        }
        out.println();
        out.println("targets (goals, not assertions):");
        for (Target t : targets) {
            out.printf(Locale.ROOT, "  [%-6s] %-32s %9.2f  %s; %s%n", t.met() ? "met" : "MISSED", t.name(), t.value(),
                    t.goal(), t.detail());
        }
        out.flush();
    }

    private static String mib(Long bytes) {
        return bytes == null ? "-" : String.format(Locale.ROOT, "%.0f", bytes / MIB);
    }
}
