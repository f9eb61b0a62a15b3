package org.icbd.rcs.bench.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code icbd} subcommand running in its own JVM, its stdout and stderr going to a log file.
 * The JVM runs the same classpath as this one, so the packaged jar launches copies of itself and a
 * test launches the classes under test.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final Path logFile;

    private ChildProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code icbd <args>} in a new JVM.
     *
     * @param heap maximum heap, e.g. {@code 384m}
     */
    public static ChildProcess start(String name, Path logFile, String heap, List<String> args) {
        List<String> argv = icbdArgv(List.of("-Xmx" + heap, "-XX:+UseSerialGC", "-Dicbd.process=" + name), args);
        try {
            Files.createDirectories(logFile.getParent());
            Process p = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            log.info("started {} (pid {}): icbd {} (log {})", name, p.pid(), String.join(" ", args), logFile);
            return new ChildProcess(name, p, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code java <jvmOptions> -cp <this JVM's classpath> org.icbd.rcs.ops.cli.Icbd <args>}: a copy of
     * this program, the same jar when packaged, the classes under test in a test.
     */
    public static List<String> icbdArgv(List<String> jvmOptions, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(jvmOptions);
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add("org.icbd.rcs.ops.cli.Icbd");
        argv.addAll(args);
        return argv;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }



    /**
     * Waits until the log holds a line matching {@code pattern} and returns its first group (or the
     * whole match). Fails early, with the log's tail, when the process dies first.
     */
    public String awaitLog(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> found = find(pattern);
            if (found.isPresent()) {
                return found.get();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue()
                        + " before it was ready; its log ends with:\n" + tail(20));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds()
                        + " s; its log ends with:\n" + tail(20));
            }
            pause(Duration.ofMillis(100));
        }
    }

    private Optional<String> find(Pattern pattern) {
        try {
            if (!Files.exists(logFile)) {
                return Optional.empty();
            }
            Matcher m = pattern.matcher(Files.readString(logFile, StandardCharsets.UTF_8));
            if (m.find()) {
                return Optional.of(m.groupCount() > 0 ? m.group(1) : m.group());
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last {@code lines} lines of the log, for error messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within the grace period. Returns the exit status. */
    public int stop() {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("{} (pid {}) did not stop within {} s of SIGTERM: killing it", name, pid(),
                        STOP_GRACE.toSeconds());
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        log.info("stopped {} (pid {}, status {})", name, pid(), process.exitValue());
        return process.exitValue();
    }

    /** SIGKILL, as a crash would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("killed {} (pid {})", name, pid());
    }

    @Override
    public void close() {
        stop();
    }

    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
