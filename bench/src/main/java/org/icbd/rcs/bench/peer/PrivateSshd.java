package org.icbd.rcs.bench.peer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.icbd.rcs.command.CommandRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private OpenSSH server for the peer cases: {@code /usr/sbin/sshd -D -e -f <config>} on
 * 127.0.0.1 and a port of its own, with its own host key, one authorized key (the client's, made
 * here too) and its own configuration; public key only, root allowed (the peers run {@code btrfs
 * receive}). The client side gets a known-hosts file pinning the host key, so that nothing of the
 * machine's own OpenSSH set-up is read or changed. Ready when the port answers with an SSH banner;
 * {@link #close()} kills it and every session it forked.
 */
public final class PrivateSshd implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PrivateSshd.class);
    public static final String CIPHER = "aes128-gcm@openssh.com";
    private static final Duration COMMAND = Duration.ofMinutes(1);
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration STOP = Duration.ofSeconds(10);

    private final Path dir;
    private final int port;
    private final Process process;

    private PrivateSshd(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Makes the keys and the configuration under {@code dir} and starts the server; its log is {@code log}. */
    public static PrivateSshd start(Path dir, Path log, CommandRunner runner) {
        try {
            Files.createDirectories(dir);
            // sshd refuses to start without its privilege separation directory.
            Files.createDirectories(Path.of("/run/sshd"));
            for (String key : List.of("host_key", "client")) {
                runner.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "icbd-bench-peer-" + key,
                        "-f", dir.resolve(key).toString()), COMMAND);
            }
            Files.copy(dir.resolve("client.pub"), dir.resolve("authorized_keys"));
            int port = freePort();
            String[] hostKey = Files.readString(dir.resolve("host_key.pub")).strip().split(" ");
            Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + hostKey[0] + " " + hostKey[1]
                    + "\n");
            Files.writeString(dir.resolve("sshd_config"), config(dir, port));
            List<String> argv = List.of("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("sshd_config").toString());
            Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            PrivateSshd sshd = new PrivateSshd(dir, port, process);
            try {
                sshd.awaitBanner(log);
            } catch (RuntimeException e) {
                sshd.close();
                throw e;
            }
            LOG.info("private sshd (pid {}) on 127.0.0.1:{}, configuration {}", process.pid(), port,
                    dir.resolve("sshd_config"));
            return sshd;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the private sshd under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The server's configuration: this port and these keys only, nothing from /etc/ssh. */
    static String config(Path dir, int port) {
        return String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_key"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                // The keys live under the bench's work directory, which need not pass sshd's ownership checks.
                "StrictModes no",
                "PidFile none",
                "Ciphers " + CIPHER,
                "Compression no",
                "X11Forwarding no",
                "AllowTcpForwarding no",
                "");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }

    private void awaitBanner(Path log) {
        long deadline = System.nanoTime() + START.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the private sshd exited with status " + process.exitValue()
                        + " before it listened on 127.0.0.1:" + port + "; see " + log);
            }
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket.setSoTimeout(5_000);
                InputStream in = socket.getInputStream();
                byte[] banner = in.readNBytes(8);
                if (new String(banner, StandardCharsets.US_ASCII).equals("SSH-2.0-")) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the private sshd did not answer on 127.0.0.1:" + port + " within "
                        + START.toSeconds() + " s; see " + log);
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the private sshd", e);
            }
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** The client's private key (its public half is the server's one authorized key). */
    public Path identity() {
        return dir.resolve("client");
    }

    /** A known-hosts file holding the server's host key for {@code [127.0.0.1]:<port>}. */
    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /**
     * {@code ssh ... root@127.0.0.1 <remote>}: the stock client with the cipher the bench's own SSH
     * prefers, this server's pinned host key, the client key only, no compression, no prompts.
     */
    public List<String> ssh(List<String> remote) {
        List<String> argv = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port), "-c", CIPHER,
                "-i", identity().toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts(),
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "Compression=no", "-F", "/dev/null", "root@127.0.0.1"));
        argv.addAll(remote);
        return argv;
    }

    /**
     * Waits until the server has no session process left: a session's CPU time (sshd's own, the
     * remote {@code btrfs receive}'s) lands in the server's children's time once it is reaped.
     */
    public void awaitIdle(Duration timeout) {
        CompletableFuture<?>[] sessions = process.children().map(ProcessHandle::onExit)
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(sessions).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("the private sshd still has a session {} s after the client ended", timeout.toSeconds());
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for the private sshd's sessions", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the server and every session it forked. Idempotent. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("the private sshd (pid {}) did not end within {} s of SIGKILL", process.pid(), STOP.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
