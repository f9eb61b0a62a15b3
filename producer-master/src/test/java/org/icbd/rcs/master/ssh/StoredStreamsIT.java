package org.icbd.rcs.master.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.stream.StreamInfo;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestPool;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stored streams end to end on real btrfs and real SSH: concurrent pulls with the stock OpenSSH
 * client share one {@code btrfs send}; offsets give the tail of a whole pull in every codec;
 * {@code icbd-stat/1}; a stream damaged on the master's disk is produced again; an evicted
 * stream's offset is refused. Each test uses steps of its own image, so the class's one server
 * and store serve them all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoredStreamsIT {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Path tmp;
    private TestPool master;
    private ImageRepository repository;
    private ClientKeys clientKeys;
    private Path knownHosts;
    /** btrfs send runs by "snapshot[ from parent]". */
    private final Map<String, AtomicInteger> sends = new ConcurrentHashMap<>();
    private SendServer server;
    private SshExec ssh;

    @BeforeAll
    void setUp() throws Exception {
        tmp = Files.createTempDirectory("icbd-streams-it-");
        master = track(TestPool.create("master"));
        CommandRunner runner = new CommandRunner();
        BtrfsTool btrfs = new BtrfsTool(runner);
        repository = new ImageRepository(master.root(), runner);
        for (String image : List.of("fanout", "offsets", "damaged", "evicted")) {
            Path work = repository.init(image);
            Trees.writeRandom(work.resolve("disk.img"), 4 * 1024 * 1024 + 77, image.hashCode());
            // Compressible too, so lz4 and zstd streams differ from the raw one.
            Files.write(work.resolve("zeros"), new byte[3 * 1024 * 1024]);
            repository.snapshotNext(image);
            Trees.overwriteRandom(work.resolve("disk.img"), 512 * 1024, 1024 * 1024, 9);
            repository.snapshotNext(image);
        }
        clientKeys = ClientKeys.generate(tmp.resolve("keys"), "replica1");
        Path authorized = tmp.resolve("authorized_keys");
        Files.writeString(authorized, clientKeys.authorizedKeyLine() + "\n");
        SendServerSettings settings = SendServerSettings.defaults(tmp.resolve("host/ssh_host_key"), authorized)
                .withHost("127.0.0.1").withPort(0);
        server = track(SendServer.builder(settings, repository)
                .source((snapshot, parent) -> {
                    sends.computeIfAbsent(snapshot + parent.map(p -> " from " + p).orElse(""),
                            k -> new AtomicInteger()).incrementAndGet();
                    return btrfs.send(snapshot, parent);
                })
                .start());
        ssh = track(new SshExec(server.hostKey(), server.port()));
        knownHosts = tmp.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " " + server.hostKeyEntry() + "\n");
    }

    @AfterAll
    void tearDown() throws Exception {
        Exception first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        TestPool.delete(tmp);
        if (first != null) {
            throw first;
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    @Test
    void threeConcurrentOpenSshPullsRunOneBtrfsSendAndGetIdenticalBytes() throws Exception {
        String request = "icbd-send/1 image=fanout version=2 parent=1 compress=lz4";
        List<Process> pulls = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path out = tmp.resolve("fanout-" + i);
                outputs.add(out);
                pulls.add(openSsh(request).redirectOutput(out.toFile())
                        .redirectError(tmp.resolve("fanout-" + i + ".err").toFile()).start());
            }
            for (int i = 0; i < 3; i++) {
                assertTrue(pulls.get(i).waitFor(60, TimeUnit.SECONDS), "ssh exits");
                int n = i;
                assertEquals(0, pulls.get(i).exitValue(), () -> read(tmp.resolve("fanout-" + n + ".err")));
            }
        } finally {
            pulls.forEach(Process::destroyForcibly);
        }
        byte[] first = Files.readAllBytes(outputs.get(0));
        assertTrue(first.length > 0);
        assertArrayEquals(first, Files.readAllBytes(outputs.get(1)));
        assertArrayEquals(first, Files.readAllBytes(outputs.get(2)));
        assertEquals(1, sendsOf("fanout", 2, 1), "one btrfs send for three pulls");
        StreamInfo info = info("fanout", 2, 1, "lz4");
        assertEquals(1, info.sends());
        assertEquals(3, info.served());
        assertTrue(info.complete());
        assertEquals(first.length, info.bytes());
        assertEquals(sha256(first), info.sha256());

        // icbd-stat/1 through the stock client too: one line, what the pulls got.
        Path statOut = tmp.resolve("fanout.stat");
        Process stat = openSsh("icbd-stat/1 image=fanout version=2 parent=1 compress=lz4")
                .redirectOutput(statOut.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(stat.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, stat.exitValue());
        assertEquals("length=" + first.length + " sha256=" + sha256(first) + "\n", read(statOut));
        // And a resumed pull from the stock client.
        Path tail = tmp.resolve("fanout.tail");
        Process resumed = openSsh(request + " offset=1000").redirectOutput(tail.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(resumed.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, resumed.exitValue());
        assertArrayEquals(Arrays.copyOfRange(first, 1000, first.length), Files.readAllBytes(tail));
        assertEquals(1, sendsOf("fanout", 2, 1));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void pullsAtRandomOffsetsEqualTheTailOfAWholePull(Compression compression) throws Exception {
        String request = "icbd-send/1 image=offsets version=2" + (compression == Compression.NONE ? ""
                : " compress=" + compression.code());
        byte[] whole = pull(request);
        assertEquals("length=" + whole.length + " sha256=" + sha256(whole) + "\n",
                new String(pull(request.replace("icbd-send/1", "icbd-stat/1")), StandardCharsets.US_ASCII));
        Random random = new Random(compression.ordinal() + 11);
        List<Long> offsets = new ArrayList<>(List.of(1L, (long) whole.length - 1, (long) whole.length));
        for (int i = 0; i < 5; i++) {
            offsets.add((long) random.nextInt(whole.length));
        }
        for (long offset : offsets) {
            assertArrayEquals(Arrays.copyOfRange(whole, (int) offset, whole.length), pull(request + " offset=" + offset),
                    "offset " + offset);
        }
        SshExec.Result past = ssh.exec(clientKeys.keyPair(), request + " offset=" + (whole.length + 1));
        assertEquals(SendExitStatus.STREAM_REFUSED, past.exitStatus(), past::stderr);
        assertTrue(past.stderr().contains("past the end"), past::stderr);
        // The encoded stream decodes to the raw one: every codec carries the same btrfs stream.
        byte[] raw = pull("icbd-send/1 image=offsets version=2");
        try (InputStream decoded = StreamCodec.decoder(compression, new ByteArrayInputStream(whole))) {
            assertArrayEquals(raw, decoded.readAllBytes());
        }
        // One btrfs send per codec stored, however many pulls: the other parameters' runs add theirs.
        assertTrue(sendsOf("offsets", 2, null) <= Compression.values().length, "one send per codec at most");
    }

    @Test
    void aStreamDamagedOnTheMastersDiskIsDetectedDroppedAndProducedAgain() throws Exception {
        String request = "icbd-send/1 image=damaged version=2 parent=1";
        byte[] good = pull(request);
        Path stored = master.root().resolve(".streams/damaged/1-2");
        // Readers end before the file is durable under its name.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> Files.exists(stored.resolveSibling("1-2.meta")));
        byte[] onDisk = Files.readAllBytes(stored);
        assertArrayEquals(good, onDisk);
        onDisk[onDisk.length / 3] ^= 0x10;
        Files.write(stored, onDisk);

        ByteArrayOutputStream served = new ByteArrayOutputStream();
        SshExec.Result bad = ssh.exec(clientKeys.keyPair(), request, in -> in.transferTo(served), line -> { });
        assertEquals(SendExitStatus.MASTER_FAILED, bad.exitStatus(), bad::stderr);
        assertTrue(bad.stderr().contains("damaged on the master's disk"), bad::stderr);
        assertTrue(server.streams().list().stream().noneMatch(s -> s.image().equals("damaged")), "dropped");

        assertArrayEquals(good, pull(request));
        assertEquals(2, sendsOf("damaged", 2, 1), "produced again");
        assertEquals(sha256(good), info("damaged", 2, 1, "none").sha256());
    }

    @Test
    void anEvictedStreamsOffsetIsRefusedAndAPullFromZeroSucceeds() throws Exception {
        SendServerSettings settings = SendServerSettings.defaults(tmp.resolve("host/ssh_host_key"),
                tmp.resolve("authorized_keys")).withHost("127.0.0.1").withPort(0);
        // A budget of one byte: each stream stored evicts every other one nobody reads.
        StreamStore small = new StreamStore(master.root().resolve(".streams-small"), 1, StreamCodec.defaults());
        try (SendServer tight = SendServer.builder(settings, repository).streams(small).start();
             SshExec client = new SshExec(tight.hostKey(), tight.port())) {
            String one = "icbd-send/1 image=evicted version=1 compress=zstd";
            byte[] whole = pullFrom(client, one);
            Path small1 = master.root().resolve(".streams-small/evicted/1.zst.meta");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> Files.exists(small1));
            pullFrom(client, "icbd-send/1 image=evicted version=2 parent=1 compress=zstd");
            assertEquals(List.of(2), small.list().stream().map(StreamInfo::version).toList());
            SshExec.Result refused = client.exec(clientKeys.keyPair(), one + " offset=4096");
            assertEquals(SendExitStatus.STREAM_REFUSED, refused.exitStatus(), refused::stderr);
            assertTrue(refused.stderr().startsWith("icbd-send: refused: ") && refused.stderr().contains("no longer stored")
                    && refused.stderr().contains("offset 0"), refused::stderr);
            assertArrayEquals(whole, pullFrom(client, one));
        }
    }

    private ProcessBuilder openSsh(String request) {
        return new ProcessBuilder(List.of("ssh", "-F", "/dev/null", "-i", clientKeys.privateKey().toString(),
                "-p", Integer.toString(server.port()), "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "icbd@127.0.0.1", request));
    }

    private byte[] pull(String request) throws IOException {
        return pullFrom(ssh, request);
    }

    private byte[] pullFrom(SshExec client, String request) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SshExec.Result result = client.exec(clientKeys.keyPair(), request, in -> in.transferTo(out), line -> { });
        assertEquals(0, result.exitStatus(), () -> request + ": " + result.stderr());
        return out.toByteArray();
    }

    private int sendsOf(String image, int version, Integer parent) {
        Path versions = repository.imageDir(image).resolve(ImageRepository.VERSIONS);
        String key = versions.resolve(Integer.toString(version)) + (parent == null ? ""
                : " from " + versions.resolve(Integer.toString(parent)));
        return sends.getOrDefault(key, new AtomicInteger()).get();
    }

    private StreamInfo info(String image, int version, Integer parent, String compression) {
        return server.streams().list().stream().filter(s -> s.image().equals(image) && s.version() == version
                        && java.util.Objects.equals(s.parent(), parent) && s.compression().equals(compression))
                .findFirst().orElseThrow(() -> new AssertionError("no stored stream of " + image + " " + version
                        + " in " + server.streams().list()));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
