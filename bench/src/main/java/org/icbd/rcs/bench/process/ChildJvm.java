package org.icbd.rcs.bench.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.ops.ready.ReadyFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code icbd} command in a JVM of its own: the one way the demo, the bench and the tests fork
 * the services. Two kinds of children:
 * <ul>
 *   <li>{@link #services}: an operator command ({@code master serve}, {@code replica run}, ...)
 *       from the services' own classes, {@value #SERVICES_JAR_PROPERTY} when set (ops/icbd sets it
 *       to {@code ops/target/icbd.jar}), else this JVM's classpath (in a test, the classes under
 *       test). What runs is what ships.
 *   <li>{@link #tools}: a tooling command (the bench's hidden sites) from this JVM's classpath.
 * </ul>
 * Its output goes to a log file (with {@link Builder#conversation()}, stdout and stdin are pipes
 * for a line protocol instead, and only stderr goes to the log). Readiness is a handshake, never
 * a log line: with {@link Builder#readyFile} the child is told where to write its {@link ReadyFile},
 * and {@link #awaitReady} waits for that file or for the child's death, whichever comes first.
 */
public final class ChildJvm implements AutoCloseable {

    /** The services' entry point: the operator's {@code icbd}. */
    public static final String SERVICES_MAIN = "org.icbd.rcs.ops.cli.Icbd";
    /** The tools' entry point: {@code icbd} plus demo, bench and dataset. */
    public static final String TOOLS_MAIN = "org.icbd.rcs.bench.cli.IcbdTools";
    /** A system property naming the services' jar for {@link #services} children. */
    public static final String SERVICES_JAR_PROPERTY = "icbd.services.jar";

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvm.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Optional<ReadyFile> readyFile;
    private final boolean conversation;
    private final Duration stopGrace;

    private ChildJvm(String name, Process process, Path logFile, Optional<ReadyFile> readyFile, boolean conversation,
                     Duration stopGrace) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.readyFile = readyFile;
        this.conversation = conversation;
        this.stopGrace = stopGrace;
    }

    /** {@code icbd <args>} from the services' classes. */
    public static Builder services(String name, List<String> args) {
        return new Builder(name, servicesClasspath(), SERVICES_MAIN, args);
    }

    /** {@code icbd <args>} from the tools, this JVM's own classpath. */
    public static Builder tools(String name, List<String> args) {
        return new Builder(name, System.getProperty("java.class.path"), TOOLS_MAIN, args);
    }

    /**
     * The services' classpath: the jar named by {@value #SERVICES_JAR_PROPERTY}, else this JVM's.
     *
     * @throws IllegalStateException when the property names a file that does not exist
     */
    public static String servicesClasspath() {
        String jar = System.getProperty(SERVICES_JAR_PROPERTY);
        if (jar == null || jar.isBlank()) {
            return System.getProperty("java.class.path");
        }
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("-D" + SERVICES_JAR_PROPERTY + "=" + jar
                    + " is no file: build it (./mvnw -pl ops -am package -DskipTests) or leave the property unset");
        }
        return jar;
    }

    /** How to start one child; {@link #start()} starts it. */
    public static final class Builder {
        private final String name;
        private final String classpath;
        private final String mainClass;
        private final List<String> args;
        private final List<String> jvmOptions = new ArrayList<>();
        private Optional<String> netns = Optional.empty();
        private Optional<Path> javaBinary = Optional.empty();
        private Path logFile;
        private Path readyFile;
        private boolean conversation;
        private Duration stopGrace = Duration.ofSeconds(30);

        private Builder(String name, String classpath, String mainClass, List<String> args) {
            this.name = Objects.requireNonNull(name, "name");
            this.classpath = Objects.requireNonNull(classpath, "classpath");
            this.mainClass = mainClass;
            this.args = List.copyOf(args);
        }

        /** JVM options, e.g. {@code -Xmx384m}, in order, before the child's own {@code -Dicbd.process=<name>}. */
        public Builder jvmOptions(List<String> options) {
            jvmOptions.addAll(options);
            return this;
        }

        /**
         * The {@code java} binary to run (another JDK's, to measure it); this JVM's own
         * ({@code java.home}) when empty.
         */
        public Builder javaBinary(Optional<Path> java) {
            this.javaBinary = Objects.requireNonNull(java, "java");
            return this;
        }

        /** Runs the JVM inside a network namespace: {@code ip netns exec <ns> java ...}, which execs in place. */
        public Builder networkNamespace(Optional<String> namespace) {
            this.netns = Objects.requireNonNull(namespace, "namespace");
            return this;
        }

        /** Where the child's output (or, in a conversation, its stderr) is appended. Required. */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /** Asks the child to write a {@link ReadyFile} there once it serves; {@link #awaitReady} waits for it. */
        public Builder readyFile(Path file) {
            this.readyFile = file;
            return this;
        }

        /** Stdin and stdout are pipes ({@link #stdin()}, {@link #stdout()}) for a line protocol. */
        public Builder conversation() {
            this.conversation = true;
            return this;
        }

        /** How long each stage of {@link #stop()} waits before the next, harder one (default 30 s). */
        public Builder stopGrace(Duration grace) {
            this.stopGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        public ChildJvm start() {
            Objects.requireNonNull(logFile, "logFile");
            List<String> argv = new ArrayList<>();
            netns.ifPresent(ns -> argv.addAll(List.of("ip", "netns", "exec", ns)));
            argv.add(javaBinary.orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java")).toString());
            argv.addAll(jvmOptions);
            argv.add("-Dicbd.process=" + name);
            argv.add("-cp");
            argv.add(classpath);
            argv.add(mainClass);
            argv.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(argv);
            // A child never inherits a ready file meant for this process.
            pb.environment().remove(ReadyFile.ENV);
            Optional<ReadyFile> ready = Optional.ofNullable(readyFile).map(ReadyFile::new);
            ready.ifPresent(r -> {
                r.delete();
                pb.environment().put(ReadyFile.ENV, r.path().toString());
            });
            try {
                Files.createDirectories(logFile.toAbsolutePath().getParent());
                if (conversation) {
                    pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
                } else {
                    pb.redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                }
                Process p = pb.start();
                LOG.info("started {} (pid {}){}: {} {} (log {})", name, p.pid(),
                        netns.map(ns -> " in network namespace " + ns).orElse(""), mainClass, String.join(" ", args),
                        logFile);
                return new ChildJvm(name, p, logFile, ready, conversation, stopGrace);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
            }
        }
    }

    public String name() {
        return name;
    }

    /** The JVM's pid (also with a network namespace: {@code ip netns exec} execs in place). */
    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status once it has ended. */
    public Optional<Integer> exitStatus() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    /** The child's stdin; only in a {@link Builder#conversation()}. */
    public OutputStream stdin() {
        requireConversation();
        return process.getOutputStream();
    }

    /** The child's stdout; only in a {@link Builder#conversation()}. */
    public InputStream stdout() {
        requireConversation();
        return process.getInputStream();
    }

    private void requireConversation() {
        if (!conversation) {
            throw new IllegalStateException(name + " was not started for a conversation: its output goes to " + logFile);
        }
    }

    /**
     * Waits until the child has written its ready file and returns what it announced. Fails early,
     * with the log's tail, when the child dies first.
     *
     * @throws IllegalStateException when it died or was not ready within {@code timeout}
     */
    public Map<String, String> awaitReady(Duration timeout) {
        ReadyFile file = readyFile.orElseThrow(() -> new IllegalStateException(name + " was started without a ready file"));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Map<String, String>> facts = file.read();
            if (facts.isPresent()) {
                LOG.info("{} (pid {}) is ready: {}", name, pid(), facts.get());
                return facts.get();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue()
                        + " before it was ready; its log ends with:\n" + tail(20));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds()
                        + " s; its log ends with:\n" + tail(20));
            }
            try {
                process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
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

    /**
     * Ends the child, each stage waiting the stop grace for it to exit: in a conversation its stdin
     * is closed first (the child's own signal to end); then SIGTERM; then SIGKILL to it and its
     * descendants (a {@code btrfs send} or {@code receive} in flight must not outlive the pools).
     * Idempotent; returns the exit status.
     */
    public int stop() {
        if (conversation) {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                LOG.debug("closing the stdin of {}: {}", name, e.toString());
            }
            waitFor(stopGrace);
        }
        if (process.isAlive()) {
            process.destroy();
            if (!waitFor(stopGrace)) {
                LOG.warn("{} (pid {}) did not stop within {} s of SIGTERM: killing it", name, pid(),
                        stopGrace.toSeconds());
            }
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            waitFor(stopGrace);
        }
        LOG.info("stopped {} (pid {}, status {})", name, pid(), exitStatus().map(String::valueOf).orElse("unknown"));
        return exitStatus().orElse(-1);
    }

    /** SIGKILL, as a crash would; returns the exit status (137 once it is dead), -1 if it outlived the stop grace. */
    public int kill() {
        process.destroyForcibly();
        waitFor(stopGrace);
        LOG.info("killed {} (pid {}, status {})", name, pid(), exitStatus().map(String::valueOf).orElse("unknown"));
        return exitStatus().orElse(-1);
    }

    @Override
    public void close() {
        stop();
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
