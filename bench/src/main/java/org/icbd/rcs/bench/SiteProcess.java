package org.icbd.rcs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.bench.fleet.ChildProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bench site running as {@code icbd bench <site> ...} in a child JVM on this JVM's classpath,
 * optionally inside a network namespace ({@code ip netns exec NS java ...}, which execs java in
 * place, so the child's pid is the JVM's). Commands go to its stdin, one line each; its stdout
 * carries one {@link SiteReply} line per command; its stderr (the log) goes to a file.
 *
 * <p>The child ends when its stdin ends, so it never outlives the bench for long even when the
 * bench is killed; {@link #close()} closes stdin, waits briefly, then kills it and its descendants
 * (a {@code btrfs send} or {@code btrfs receive} in flight).
 */
final class SiteProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SiteProcess.class);
    private static final Duration EXIT_GRACE = Duration.ofSeconds(10);
    private static final String EOF = "\u0000eof";

    private final String name;
    private final Process process;
    private final PrintWriter stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path logFile;

    private SiteProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        Thread reader = new Thread(this::readStdout, "site-stdout-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code java <jvmOptions> -cp <this classpath> org.icbd.rcs.ops.cli.Icbd <args>}, inside
     * {@code netns} when given; {@code {site}} in an option becomes the site's name.
     */
    static SiteProcess start(String name, Optional<String> netns, List<String> jvmOptions, List<String> args,
                             Path logFile) {
        List<String> options = new ArrayList<>();
        // "{site}" lets one option name per-site files, e.g. a flight recording each.
        jvmOptions.forEach(option -> options.add(option.replace("{site}", name)));
        options.add("-Dicbd.process=" + name);
        // Stdout carries the replies: the site logs to stderr through the CLI's own configuration,
        // even where a test configuration (which may log to stdout) is on the classpath.
        options.add("-Dlog4j2.configurationFile=log4j2.xml");
        List<String> argv = new ArrayList<>();
        netns.ifPresent(ns -> argv.addAll(List.of("ip", "netns", "exec", ns)));
        argv.addAll(ChildProcess.icbdArgv(options, args));
        try {
            Files.createDirectories(logFile.getParent());
            Process p = new ProcessBuilder(argv)
                    .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            LOG.info("started bench site {} (pid {}){}: log {}", name, p.pid(),
                    netns.map(ns -> " in network namespace " + ns).orElse(""), logFile);
            return new SiteProcess(name, p, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start bench site " + name + ": " + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    /** The JVM's pid (the same as the started process's: {@code ip netns exec} execs in place). */
    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    /** Waits for the next reply line; fails with the log's tail when the site dies or is silent too long. */
    SiteReply awaitReply(Duration timeout) {
        String line;
        try {
            line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for bench site " + name, e);
        }
        if (line == null) {
            throw new IllegalStateException("bench site " + name + " did not answer within " + timeout.toSeconds()
                    + " s; its log ends with:\n" + tail(20));
        }
        if (line.equals(EOF)) {
            lines.add(EOF);
            throw new IllegalStateException("bench site " + name + " ended" + exitStatus()
                    + "; its log ends with:\n" + tail(20));
        }
        return SiteReply.parse(line);
    }

    /** Sends one command and waits for its reply. */
    SiteReply request(String command, Duration timeout) {
        stdin.println(command);
        if (stdin.checkError()) {
            throw new IllegalStateException("bench site " + name + " no longer reads commands" + exitStatus()
                    + "; its log ends with:\n" + tail(20));
        }
        return awaitReply(timeout);
    }

    private String exitStatus() {
        return process.isAlive() ? "" : " (exit status " + process.exitValue() + ")";
    }

    private void readStdout() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals("ok") || line.startsWith("ok ") || line.startsWith("error ")) {
                    lines.add(line);
                } else {
                    LOG.debug("bench site {} wrote a line that is no reply: {}", name, line);
                }
            }
        } catch (IOException e) {
            LOG.debug("stdout of bench site {} ended: {}", name, e.toString());
        } finally {
            lines.add(EOF);
        }
    }

    String tail(int count) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - count), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Ends the site: stdin closed, a grace period, then SIGKILL to it and its descendants. Idempotent. */
    @Override
    public void close() {
        stdin.close();
        try {
            if (!process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("bench site {} (pid {}) still running {} s after its stdin closed: killing it", name,
                        process.pid(), EXIT_GRACE.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Descendants first: a btrfs send or receive in flight must not outlive the pools.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("bench site {} (pid {}) ended{}", name, process.pid(), exitStatus());
    }
}
