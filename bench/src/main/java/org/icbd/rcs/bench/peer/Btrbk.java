package org.icbd.rcs.bench.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icbd.rcs.command.CommandResult;
import org.icbd.rcs.command.CommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code btrbk -c <conf> run} against the {@link PrivateSshd}. btrbk calls the stock
 * {@code ssh} with no way to name a known-hosts file, so it runs in a mount namespace of its own
 * in which a directory of the bench's covers {@code /root}: its {@code .ssh/known_hosts} pins the
 * private server's host key, and the machine's own {@code /root/.ssh} is neither read nor changed.
 * The namespace is held by a {@code cat} reading a pipe from this JVM, so it ends with the bench
 * even when the bench is killed.
 */
public final class Btrbk implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Btrbk.class);
    private static final Duration COMMAND = Duration.ofMinutes(1);
    private static final Duration START = Duration.ofSeconds(10);

    private final CommandRunner runner;
    private final Process holder;
    private final List<Path> mounts;

    private Btrbk(CommandRunner runner, Process holder, List<Path> mounts) {
        this.runner = runner;
        this.holder = holder;
        this.mounts = List.copyOf(mounts);
    }

    /**
     * Makes the namespace and its {@code /root} under {@code dir}, pinning {@code sshd}'s host key.
     * The namespace holds a copy of every mount, the bench's {@code pools} too: {@link #close()}
     * detaches those first, or their loop devices would stay busy until the kernel drops the namespace.
     */
    public static Btrbk start(Path dir, PrivateSshd sshd, CommandRunner runner, List<Path> pools) {
        Path home = dir.resolve("home");
        Process holder;
        try {
            Files.createDirectories(home.resolve(".ssh"));
            Files.copy(sshd.knownHosts(), home.resolve(".ssh").resolve("known_hosts"));
            holder = new ProcessBuilder(List.of("unshare", "--mount", "--propagation", "private", "cat"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("namespace.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up btrbk's mount namespace under " + dir + ": "
                    + e.getMessage(), e);
        }
        Btrbk btrbk = new Btrbk(runner, holder, pools);
        try {
            btrbk.awaitNamespace();
            runner.run(List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "mount", "--bind", home.toString(),
                    "/root"), COMMAND);
        } catch (RuntimeException e) {
            btrbk.close();
            throw e;
        }
        LOG.info("btrbk runs in mount namespace of pid {} with /root from {}", holder.pid(), home);
        return btrbk;
    }

    /** Until {@code unshare} has its own mount namespace (it execs {@code cat} once it has). */
    private void awaitNamespace() {
        long deadline = System.nanoTime() + START.toNanos();
        Path own = Path.of("/proc/self/ns/mnt");
        Path its = Path.of("/proc", Long.toString(holder.pid()), "ns", "mnt");
        while (true) {
            try {
                if (!Files.readSymbolicLink(its).equals(Files.readSymbolicLink(own))) {
                    return;
                }
            } catch (IOException e) {
                throw new IllegalStateException("unshare --mount ended early (" + e.getMessage() + "); is util-linux "
                        + "installed and this process root?", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("unshare --mount made no mount namespace within " + START.toSeconds()
                        + " s");
            }
            try {
                holder.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting btrbk's namespace", e);
            }
        }
    }

    /** {@code btrbk -c <conf> run} in the namespace; throws with btrbk's stderr when it fails. */
    public void run(Path conf, Duration timeout) {
        runner.run(List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "btrbk", "-c", conf.toString(), "run"),
                timeout);
    }

    /** Detaches the pools inside the namespace, then ends its holder (and with it the namespace). Idempotent. */
    @Override
    public void close() {
        if (holder.isAlive()) {
            for (Path pool : mounts) {
                CommandResult r = runner.runAnyExit(List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "umount",
                        "-l", pool.toString()), COMMAND);
                if (!r.succeeded()) {
                    LOG.debug("umount -l {} in btrbk's namespace: {}", pool, r.stderrTail());
                }
            }
        }
        try {
            holder.getOutputStream().close();
        } catch (IOException e) {
            LOG.debug("closing the namespace holder's stdin: {}", e.toString());
        }
        holder.destroyForcibly();
        try {
            holder.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
