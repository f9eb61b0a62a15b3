package org.icbd.rcs.ops.bench;

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
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.transfer.TransferRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of the bench, run in a child JVM of its own ({@code icbd bench replica-site}),
 * possibly in another network namespace. It pulls steps the way the replica service does: request
 * over SSH, the stream (LZ4-decoded if asked) into {@code btrfs receive} in
 * {@code <root>/.incoming/<image>/}, the rest of the stream read and the master's exit status
 * awaited, the received subvolume verified (read-only, received uuid = the master's snapshot uuid)
 * and promoted by a read-only snapshot into {@code <root>/images/<image>/versions/<n>}.
 *
 * <p>Protocol, one command per stdin line, one {@link SiteReply} per stdout line:
 * <ul>
 *   <li>{@code pull <image> <version> <parent|-> <none|lz4> <uuid>}: one step, timed from the request to the
 *       promoted version; {@code ok wire= stream= nanos= connect= transfer= promote= cipher=}
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

    /**
     * @param root        the replica's pool directory
     * @param masterHost  the master's address as seen from here
     * @param masterPort  its SSH port
     * @param hostKeyPin  a file holding the master's host key (an OpenSSH public key line)
     * @param identity    this replica's private key (OpenSSH format)
     * @param cipher      the cipher offered first
     * @param windowBytes the SSH channel window; empty for MINA's default
     * @param kex         the key exchange offered first; empty for MINA's default order
     */
    public record Settings(Path root, String masterHost, int masterPort, Path hostKeyPin, Path identity, String cipher,
                           Optional<Long> windowBytes, Optional<String> kex) {
    }

    private final Settings settings;
    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner(), Duration.ofMinutes(10));
    private final SshPuller puller;

    private ReplicaSite(Settings settings, SshPuller puller) {
        this.settings = settings;
        this.puller = puller;
    }

    public static int run(Settings settings, BufferedReader in, PrintWriter out) throws Exception {
        PublicKey hostKey = AuthorizedKeyEntry.parseAuthorizedKeyEntry(Files.readString(settings.hostKeyPin()).strip())
                .resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.FAILING);
        KeyPair identity;
        try (InputStream key = Files.newInputStream(settings.identity())) {
            identity = SecurityUtils.loadKeyPairIdentities(null, () -> settings.identity().toString(), key, null)
                    .iterator().next();
        }
        try (SshPuller puller = new SshPuller(settings.masterHost(), settings.masterPort(), hostKey, identity,
                settings.cipher(), settings.windowBytes(), settings.kex())) {
            ReplicaSite site = new ReplicaSite(settings, puller);
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
        Path staging = Files.createDirectories(settings.root().resolve(".incoming").resolve(request.image()));
        Path versions = Files.createDirectories(settings.root().resolve("images").resolve(request.image())
                .resolve("versions"));
        Path target = versions.resolve(Integer.toString(request.version()));
        long connected;
        long transferred;
        long wire;
        long stream;
        String cipher;
        ReceivedSubvolume received;
        try (SshPuller.Pull pull = puller.open(request)) {
            connected = System.nanoTime();
            cipher = pull.cipher() + "," + pull.kex();
            Counting wireIn = new Counting(pull.stdout());
            InputStream decoded = request.compression() == Compression.LZ4 ? new LZ4FrameInputStream(wireIn) : wireIn;
            Counting streamIn = new Counting(decoded);
            received = btrfs.receive(staging, streamIn);
            // btrfs receive -e stops at the end command; the rest (an LZ4 frame's end mark and checksum)
            // must still be read, and the master's verdict awaited, before the stream counts as whole.
            streamIn.transferTo(OutputStream.nullOutputStream());
            Optional<Integer> exit = pull.awaitExit(EXIT_WAIT);
            if (exit.isEmpty() || exit.get() != 0) {
                btrfs.deleteSubvolume(received.path());
                throw new IOException(request.print() + ": the master ended with " + exit.map(String::valueOf)
                        .orElse("no exit status") + ": " + pull.stderr());
            }
            transferred = System.nanoTime();
            wire = wireIn.count;
            stream = streamIn.count;
        }
        SubvolumeInfo info = received.info();
        if (!info.readOnly() || !info.receivedUuid().equals(Optional.of(expectedUuid))) {
            btrfs.deleteSubvolume(received.path());
            throw new IOException(request.print() + ": verification failed: " + received.path() + " read-only="
                    + info.readOnly() + " received uuid=" + info.receivedUuid().map(UUID::toString).orElse("none")
                    + ", expected " + expectedUuid);
        }
        SubvolumeInfo promoted = btrfs.snapshotReadOnly(received.path(), target);
        btrfs.deleteSubvolume(received.path());
        if (!promoted.readOnly() || !promoted.receivedUuid().equals(Optional.of(expectedUuid))) {
            throw new IOException("promoted " + target + " lost its received uuid");
        }
        long end = System.nanoTime();
        LOG.info("bench replica site: {} promoted to {}: {} bytes on the wire, {} of stream in {} ms ({})",
                request.print(), target, wire, stream, (end - start) / 1_000_000, cipher);
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("wire", wire);
        reply.put("stream", stream);
        reply.put("nanos", end - start);
        reply.put("connect", connected - start);
        reply.put("transfer", transferred - connected);
        reply.put("promote", end - transferred);
        reply.put("cipher", cipher);
        return SiteReply.ok(reply);
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
