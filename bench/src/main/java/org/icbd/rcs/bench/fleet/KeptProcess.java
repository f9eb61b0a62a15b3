package org.icbd.rcs.bench.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * A process a kept demo left running, as its state file records it: pid, start time and command
 * line. A pid alone is no identity (the kernel reuses it once the process exited); a pid, the
 * start time in clock ticks after boot ({@code /proc/<pid>/stat} field 22) and the command line
 * together are: {@link #isRunning()} is true only for the very process recorded.
 *
 * <p>Line format: {@code pid <pid> <start ticks> <command line, NUL-separated, Base64> <name>}.
 */
public record KeptProcess(long pid, long startTicks, byte[] cmdline, String name) {

    private static final String PREFIX = "pid ";

    /** The process {@code pid} as it runs now. */
    public static Optional<KeptProcess> of(long pid, String name) {
        return startTicksOf(pid).flatMap(start -> cmdlineOf(pid).map(cmd -> new KeptProcess(pid, start, cmd, name)));
    }

    public static boolean isLine(String line) {
        return line.startsWith(PREFIX);
    }

    /**
     * Reads a line written by {@link #line()}.
     *
     * @throws IllegalArgumentException for a line without the identity (as older demos wrote them)
     */
    public static KeptProcess parse(String line) {
        String[] f = line.split(" ", 5);
        if (f.length < 5 || !f[0].equals("pid")) {
            throw new IllegalArgumentException("'" + line + "' records no start time and command line");
        }
        try {
            return new KeptProcess(Long.parseLong(f[1]), Long.parseLong(f[2]), Base64.getDecoder().decode(f[3]), f[4]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + line + "' is not a process line: " + e.getMessage(), e);
        }
    }

    public String line() {
        return PREFIX + pid + " " + startTicks + " " + Base64.getEncoder().encodeToString(cmdline) + " " + name;
    }

    /** True iff the recorded process itself still runs (same pid, start time and command line). */
    public boolean isRunning() {
        return startTicksOf(pid).map(s -> s == startTicks).orElse(false)
                && cmdlineOf(pid).map(c -> Arrays.equals(c, cmdline)).orElse(false);
    }

    /** The command line as {@code ps} shows it. */
    public String command() {
        return new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    }

    /** Field 22 of {@code /proc/<pid>/stat}; empty when there is no such process. */
    static Optional<Long> startTicksOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // Field 2, the command name, is in parentheses and may contain spaces: count after it.
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(Long.parseLong(after[22 - 3]));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<byte[]> cmdlineOf(long pid) {
        try {
            return Optional.of(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
