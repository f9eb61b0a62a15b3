package org.icbd.rcs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.bench.process.ChildJvm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bench site running as {@code icbd bench <site> ...} in a {@link ChildJvm} from the tools'
 * classpath, optionally inside a network namespace. Commands go to its stdin, one line each; its
 * stdout carries one {@link SiteReply} line per command, the first one saying it is ready; its
 * stderr (the log) goes to a file.
 *
 * <p>The child ends when its stdin ends, so it never outlives the bench for long even when the
 * bench is killed; {@link #close()} closes stdin, waits briefly, then stops it harder, down to
 * SIGKILL for it and its descendants (a {@code btrfs send} or {@code btrfs receive} in flight).
 */
final class SiteProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SiteProcess.class);
    private static final Duration EXIT_GRACE = Duration.ofSeconds(10);
    private static final String EOF = "\u0000eof";

    private final String name;
    private final ChildJvm child;
    private final PrintWriter stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private SiteProcess(ChildJvm child) {
        this.name = child.name();
        this.child = child;
        this.stdin = new PrintWriter(new OutputStreamWriter(child.stdin(), StandardCharsets.UTF_8), true);
        Thread reader = new Thread(this::readStdout, "site-stdout-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code icbd <args>} from the tools' classpath with {@code java} (this JVM's when empty),
     * inside {@code netns} when given; {@code {site}} in an option becomes the site's name.
     */
    static SiteProcess start(String name, Optional<String> netns, Optional<Path> java, List<String> jvmOptions,
                             List<String> args, Path logFile) {
        List<String> options = new ArrayList<>();
        // "{site}" lets one option name per-site files, e.g. a flight recording each.
        jvmOptions.forEach(option -> options.add(option.replace("{site}", name)));
        // Stdout carries the replies: the site logs to stderr through the CLI's own configuration,
        // even where a test configuration (which may log to stdout) is on the classpath.
        options.add("-Dlog4j2.configurationFile=log4j2.xml");
        ChildJvm child = ChildJvm.tools(name, args).javaBinary(java).jvmOptions(options).networkNamespace(netns).logFile(logFile)
                .conversation().stopGrace(EXIT_GRACE).start();
        return new SiteProcess(child);
    }

    String name() {
        return name;
    }

    /** The JVM's pid (the same as the started process's: {@code ip netns exec} execs in place). */
    long pid() {
        return child.pid();
    }

    Path logFile() {
        return child.logFile();
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
        return child.exitStatus().map(status -> " (exit status " + status + ")").orElse("");
    }

    private void readStdout() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.stdout(),
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
        return child.tail(count);
    }

    /** Ends the site: stdin closed, a grace period, then harder (see {@link ChildJvm#stop()}). Idempotent. */
    @Override
    public void close() {
        stdin.close();
        child.stop();
    }
}
