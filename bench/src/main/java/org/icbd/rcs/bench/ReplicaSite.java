package org.icbd.rcs.bench;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.replica.config.ReplicaSettings;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.replica.pull.HostKeyPin;
import org.icbd.rcs.replica.pull.MasterClient;
import org.icbd.rcs.replica.pull.MasterEndpoint;
import org.icbd.rcs.replica.pull.SendChannel;
import org.icbd.rcs.transfer.TransferRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of the bench, run in a child JVM of its own ({@code icbd bench replica-site}),
 * possibly in another network namespace. It pulls steps with the replica service's own parts: the
 * {@link MasterClient} (the master's host key pinned, one session and exec channel per step) and the
 * {@link ReplicaPool} (receive into {@code <root>/.incoming/<image>/}, promote by a read-only snapshot
 * into {@code <root>/images/<image>/versions/<n>}); between them it does what the service's step does:
 * reads the rest of the stream, awaits the master's exit status and verifies the received subvolume
 * (read-only, received uuid = the master's snapshot uuid). Kafka is left out: progress reports do not
 * move bytes. With {@link Puller#BENCH} the bench's own {@link SshPuller} replaces the MasterClient,
 * to try ciphers, key exchanges and windows.
 *
 * <p>Protocol, one command per stdin line, one {@link SiteReply} per stdout line:
 * <ul>
 *   <li>{@code pull <image> <version> <parent|-> <none|lz4> <uuid>}: one step, timed from the request to
 *       the promoted version; {@code ok wire= stream= nanos= connect= transfer= promote= cipher=}
 *   <li>{@code probe <host> <port> <bytes>}: reads that many bytes from a {@link ProbeServer};
 *       {@code ok bytes= nanos=}
 * </ul>
 * The site ends when its stdin ends.
 */
public final class ReplicaSite {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSite.class);
    private static final int COPY_BUFFER_BYTES = 1 << 20;
    /** How long the master's exit status may take once the stream ended. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    private static final String SSH_USER = "icbd";

    /** Which SSH client pulls. */
    public enum Puller {
        /** The replica service's {@link MasterClient}, as configured there. */
        REPLICA,
        /** The bench's {@link SshPuller}, whose cipher, key exchange and window can be chosen. */
        BENCH
    }

    /**
     * @param root        the replica's pool directory
     * @param masterHost  the master's address as seen from here
     * @param masterPort  its SSH port
     * @param hostKeyPin  a file holding the master's host key (an OpenSSH public key line)
     * @param identity    this replica's private key (OpenSSH format)
     * @param puller      which SSH client pulls
     * @param cipher      the cipher offered first ({@link Puller#BENCH} only)
     * @param windowBytes the SSH channel window; empty for MINA's default ({@link Puller#BENCH} only)
     * @param kex         the key exchange offered first; empty for MINA's default order ({@link Puller#BENCH} only)
     */
    public record Settings(Path root, String masterHost, int masterPort, Path hostKeyPin, Path identity, Puller puller,
                           String cipher, Optional<Long> windowBytes, Optional<String> kex) {
    }

    private final ReplicaPool pool;
    private final Optional<MasterClient> master;
    private final Optional<SshPuller> benchPuller;

    private ReplicaSite(ReplicaPool pool, Optional<MasterClient> master, Optional<SshPuller> benchPuller) {
        this.pool = pool;
        this.master = master;
        this.benchPuller = benchPuller;
    }

    public static int run(Settings settings, BufferedReader in, PrintWriter out) throws Exception {
        PublicKey hostKey = HostKeyPin.parse(Files.readString(settings.hostKeyPin()), settings.masterHost(),
                settings.masterPort());
        KeyPair identity;
        try (InputStream key = Files.newInputStream(settings.identity())) {
            identity = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(settings.identity().toString()),
                    key, null).iterator().next();
        }
        String replicaId = "bench-" + settings.root().getFileName();
        CommandRunner runner = new CommandRunner();
        Optional<MasterClient> master = Optional.empty();
        Optional<SshPuller> benchPuller = Optional.empty();
        if (settings.puller() == Puller.REPLICA) {
            master = Optional.of(new MasterClient(replicaId, new MasterEndpoint(settings.masterHost(),
                    settings.masterPort(), SSH_USER, hostKey, identity, ReplicaSettings.Ssh.DEFAULT_CONNECT_TIMEOUT,
                    ReplicaSettings.Ssh.DEFAULT_STALL_TIMEOUT)));
        } else {
            benchPuller = Optional.of(new SshPuller(settings.masterHost(), settings.masterPort(), hostKey, identity,
                    settings.cipher(), settings.windowBytes(), settings.kex()));
        }
        BtrfsTool btrfs = new BtrfsTool(runner, Duration.ofMinutes(10));
        try (ReplicaPool pool = ReplicaPool.open(replicaId, settings.root(), btrfs, new BtrfsFsCheck(btrfs))) {
            ReplicaSite site = new ReplicaSite(pool, master, benchPuller);
            out.println(SiteReply.ok(Map.of("pid", ProcessHandle.current().pid())).render());
            out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                SiteReply reply;
                try {
                    reply = site.handle(line.strip().split(" "));
                } catch (Exception e) {
                    LOG.warn("bench replica site: '{}' failed", line, e);
                    reply = SiteReply.error(e.toString());
                }
                out.println(reply.render());
                out.flush();
            }
        } finally {
            master.ifPresent(MasterClient::close);
            benchPuller.ifPresent(SshPuller::close);
        }
        return 0;
    }

    private SiteReply handle(String[] words) throws Exception {
        return switch (words[0]) {
            case "pull" -> {
                require(words, 6);
                Optional<Integer> parent = words[3].equals("-") ? Optional.empty() : Optional.of(Integer.parseInt(words[3]));
                Compression compression = words[4].equals("lz4") ? Compression.LZ4 : Compression.NONE;
                yield pull(new TransferRequest(words[1], Integer.parseInt(words[2]), parent, compression),
                        UUID.fromString(words[5]));
            }
            case "probe" -> {
                require(words, 4);
                yield probe(words[1], Integer.parseInt(words[2]), Long.parseLong(words[3]));
            }
            default -> SiteReply.error("unknown command " + words[0]);
        };
    }

    private static void require(String[] words, int count) {
        if (words.length != count) {
            throw new IllegalArgumentException(words[0] + " takes " + (count - 1) + " arguments, got "
                    + (words.length - 1));
        }
    }

    /** One step, as the replica service runs it; the clock runs from the request to the promoted version. */
    private SiteReply pull(TransferRequest request, UUID expectedUuid) throws IOException {
        long start = System.nanoTime();
        String image = request.image();
        long connected;
        long transferred;
        long wire;
        long stream;
        String ssh;
        ReceivedSubvolume received;
        try (Step step = open(request)) {
            connected = System.nanoTime();
            ssh = step.ssh();
            Counting streamIn = new Counting(step.stream());
            received = pool.receive(image, streamIn);
            // btrfs receive -e stops at the end command; the rest (an LZ4 frame's end mark and checksum)
            // must still be read, and the master's verdict awaited, before the stream counts as whole.
            streamIn.transferTo(OutputStream.nullOutputStream());
            Optional<Integer> exit = step.awaitExit(EXIT_WAIT);
            if (exit.isEmpty() || exit.get() != 0) {
                pool.cleanStaging(image);
                throw new IOException(request.print() + ": the master ended with " + exit.map(String::valueOf)
                        .orElse("no exit status") + ": " + step.masterReason());
            }
            transferred = System.nanoTime();
            wire = step.wireBytes();
            stream = streamIn.count;
        }
        SubvolumeInfo info = received.info();
        if (!info.readOnly() || !info.receivedUuid().equals(Optional.of(expectedUuid))) {
            pool.cleanStaging(image);
            throw new IOException(request.print() + ": verification failed: " + received.path() + " read-only="
                    + info.readOnly() + " received uuid=" + info.receivedUuid().map(UUID::toString).orElse("none")
                    + ", expected " + expectedUuid);
        }
        HeldVersion promoted = pool.promote(image, request.version(), received);
        long end = System.nanoTime();
        LOG.info("bench replica site: {} promoted to {} (received uuid {}): {} bytes on the wire, {} of stream in {} ms"
                        + " ({})", request.print(), pool.versionDir(image, request.version()), promoted.receivedUuid(),
                wire, stream, (end - start) / 1_000_000, ssh);
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("wire", wire);
        reply.put("stream", stream);
        reply.put("nanos", end - start);
        reply.put("connect", connected - start);
        reply.put("transfer", transferred - connected);
        reply.put("promote", end - transferred);
        reply.put("cipher", ssh);
        return SiteReply.ok(reply);
    }

    /** One open transfer, through whichever puller this site uses. */
    private interface Step extends AutoCloseable {
        InputStream stream() throws IOException;

        long wireBytes();

        Optional<Integer> awaitExit(Duration timeout);

        String masterReason();

        String ssh();

        @Override
        void close();
    }

    private Step open(TransferRequest request) throws IOException {
        if (master.isPresent()) {
            SendChannel channel = master.get().open(request);
            return new Step() {
                @Override
                public InputStream stream() throws IOException {
                    return channel.stream();
                }

                @Override

                public long wireBytes() {
                    return channel.wireBytes();
                }

                @Override

                public Optional<Integer> awaitExit(Duration timeout) {
                    return channel.awaitExit(timeout);
                }

                @Override

                public String masterReason() {
                    return channel.masterReason();
                }

                @Override

                public String ssh() {
                    return "MasterClient";
                }

                @Override

                public void close() {
                    channel.close();
                }
            };
        }
        SshPuller.Pull pull = benchPuller.orElseThrow().open(request);
        Counting wire = new Counting(pull.stdout());
        return new Step() {
            @Override
            public InputStream stream() throws IOException {
                return request.compression() == Compression.LZ4 ? new LZ4FrameInputStream(wire) : wire;
            }

            @Override

            public long wireBytes() {
                return wire.count;
            }

            @Override

            public Optional<Integer> awaitExit(Duration timeout) {
                return pull.awaitExit(timeout);
            }

            @Override

            public String masterReason() {
                return pull.stderr();
            }

            @Override

            public String ssh() {
                return pull.cipher() + "," + pull.kex();
            }

            @Override

            public void close() {
                pull.close();
            }
        };
    }

    private static SiteReply probe(String host, int port, long bytes) throws IOException {
        long start = System.nanoTime();
        long read = 0;
        try (Socket socket = new Socket(host, port)) {
            new DataOutputStream(socket.getOutputStream()).writeLong(bytes);
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                read += n;
            }
        }
        long nanos = System.nanoTime() - start;
        if (read != bytes) {
            throw new IOException("probe of " + host + ":" + port + " delivered " + read + " of " + bytes + " bytes");
        }
        LOG.info("bench replica site: probe of {}:{}: {} bytes in {} ms", host, port, read, nanos / 1_000_000);
        return SiteReply.ok(Map.of("bytes", read, "nanos", nanos));
    }

    /** Counts what is read through it. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
