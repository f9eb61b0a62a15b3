package org.icbd.rcs.replica.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.PeerService;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.ssh.SendExitStatus;
import org.icbd.rcs.master.ssh.SendServer;
import org.icbd.rcs.replica.testing.MasterSite;
import org.icbd.rcs.replica.testing.ReplicaSite;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.KafkaProbe;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.MetricsScrape;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestKeys;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas as sources, against the real things: a master, a replica A that serves what it holds
 * with the master's SSH send service, and replicas that trust A (B, C) pulling from it, over
 * loop-mounted btrfs pools and a Kafka broker. The test plays the planner: its tasks name each
 * step's source.
 */
@Timeout(240)
class PeerIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final String IMAGE = "ubuntu";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private final List<AutoCloseable> open = new ArrayList<>();
    private String prefix;
    private MasterSite master;
    private ReplicaSite a;
    private KafkaProbe kafka;
    private Path aAuthorizedKeys;

    @BeforeEach
    void sites(TestInfo test) throws IOException {
        // Replica ids unique per test: the broker and its topics are shared by the class.
        prefix = "p" + UUID.randomUUID().toString().substring(0, 6) + "-";
        a = track(ReplicaSite.create(tmp.resolve("a"), prefix + "a", 256L << 20));
        master = track(MasterSite.start(tmp.resolve("master"), 256L << 20, a.publicKeyLine()));
        kafka = track(new KafkaProbe(KAFKA.bootstrapServers()));
        master.init(IMAGE);
        aAuthorizedKeys = tmp.resolve("a-authorized_keys");
        Files.writeString(aAuthorizedKeys, "");
        a.configure(master, KAFKA.bootstrapServers(), List.of(IMAGE + ":5"))
                .set("icbd.replica.serve.enabled", "true")
                .set("icbd.replica.serve.host", "127.0.0.1")
                .set("icbd.replica.serve.port", "0")
                .set("icbd.replica.serve.host-key-file", tmp.resolve("a-serve/host_key").toString())
                .set("icbd.replica.serve.authorized-keys-file", aAuthorizedKeys.toString())
                .set("icbd.replica.http.port", -1);
    }

    private <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }

    @AfterEach
    void cleanup() {
        // Replicas first (they hold their pools and connect to the master), then the master, then Kafka.
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    // ---- versions on the master, and A's copies of them ------------------------------------------

    private ImageVersion version1() throws IOException {
        Path work = master.work(IMAGE);
        Trees.writeRandom(work.resolve("disk/template.img"), 24L << 20, 1);
        Files.writeString(Files.createDirectories(work.resolve("boot")).resolve("package.cfg"), "kernel=6.1\n");
        Files.writeString(Files.createDirectories(work.resolve("services")).resolve("dhcp.conf"), "lease=1h\n");
        return master.publish(IMAGE);
    }

    private ImageVersion nextVersion(int n) throws IOException {
        Path work = master.work(IMAGE);
        try (FileChannel ch = FileChannel.open(work.resolve("disk/template.img"), StandardOpenOption.WRITE)) {
            byte[] patch = new byte[512 * 1024];
            new java.util.Random(n).nextBytes(patch);
            ch.write(java.nio.ByteBuffer.wrap(patch), (long) n * 1024 * 1024);
        }
        Files.writeString(work.resolve("boot/package.cfg"), "kernel=6." + n + "\n");
        Files.writeString(work.resolve("services/added-in-" + n + ".conf"), "version " + n + "\n");
        Files.deleteIfExists(work.resolve("services/added-in-" + (n - 1) + ".conf"));
        return master.publish(IMAGE);
    }

    private static TransferStep full(ImageVersion v, String source) {
        return TransferStep.full(v.version(), v.uuid()).from(source);
    }

    private static TransferStep delta(ImageVersion p, ImageVersion v, String source) {
        return TransferStep.delta(p.version(), p.uuid(), v.version(), v.uuid()).from(source);
    }

    private ReplicationTask task(ReplicaSite replica, String taskId, List<Integer> expectHave, TransferStep... steps) {
        return ReplicationTask.of(taskId, replica.id(), IMAGE, expectHave, List.of(steps), Compression.LZ4,
                Instant.now());
    }

    private ReplicaImageState awaitState(ReplicaSite replica, String what, Predicate<ReplicaImageState> condition) {
        ReplicaImageState[] found = new ReplicaImageState[1];
        await(what).atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (ReplicaImageState s : kafka.states(replica.id(), IMAGE)) {
                if (condition.test(s)) {
                    found[0] = s;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static boolean applied(ReplicaImageState s, String taskId, int version) {
        return s.lastStep().filter(l -> l.taskId().equals(taskId) && l.version() == version
                && l.outcome() == Outcome.APPLIED).isPresent() && s.transfer().isEmpty();
    }

    /** The distinct step reports of {@code taskId}, in the order they were published. */
    private List<StepReport> reports(ReplicaSite replica, String taskId) {
        return kafka.states(replica.id(), IMAGE).stream().map(ReplicaImageState::lastStep).flatMap(Optional::stream)
                .filter(l -> l.taskId().equals(taskId)).distinct().toList();
    }

    private static List<HeldVersion> held(ImageVersion... versions) {
        return java.util.Arrays.stream(versions).map(v -> new HeldVersion(v.version(), v.uuid())).toList();
    }

    /** Starts A and brings it versions 1..n from the master; returns the master's versions. */
    private List<ImageVersion> aHoldsThreeVersions() throws IOException {
        ImageVersion v1 = version1();
        ImageVersion v2 = nextVersion(2);
        ImageVersion v3 = nextVersion(3);
        a.start();
        kafka.send(task(a, "a-1", List.of(), TransferStep.full(1, v1.uuid()),
                TransferStep.delta(1, v1.uuid(), 2, v2.uuid()), TransferStep.delta(2, v2.uuid(), 3, v3.uuid())));
        awaitState(a, "A holds version 3", s -> applied(s, "a-1", 3));
        return List.of(v1, v2, v3);
    }

    private SendServer aServer() {
        return a.application().service().peerServer().orElseThrow().server();
    }

    /** A replica that trusts A (at its bound port, with its host key pinned) and any further peers given. */
    private ReplicaSite downstream(String name, List<Map<String, Object>> morePeers) throws IOException {
        ReplicaSite r = track(ReplicaSite.create(tmp.resolve(name), prefix + name, 256L << 20));
        master.authorize(r.publicKeyLine());
        Files.writeString(aAuthorizedKeys, r.publicKeyLine() + "\n", StandardOpenOption.APPEND);
        List<Map<String, Object>> peers = new ArrayList<>();
        peers.add(Map.of("id", a.id(), "host", "127.0.0.1", "port", aServer().port(),
                "host-key", aServer().hostKeyEntry()));
        peers.addAll(morePeers);
        r.configure(master, KAFKA.bootstrapServers(), List.of(IMAGE + ":5")).set("icbd.replica.peers", peers);
        return r;
    }

    private double aServed() {
        String base = "http://127.0.0.1:" + a.application().httpPort().orElseThrow();
        return MetricsScrape.of(URI.create(base + "/metrics")).value("icbd_replica_served_bytes_total");
    }

    private void assertSameAsMaster(ReplicaSite replica, ImageVersion... versions) throws IOException {
        for (ImageVersion v : versions) {
            Path copy = replica.versionDir(IMAGE, v.version());
            Trees.assertSameTree(master.versionDir(IMAGE, v.version()), copy);
            assertEquals(Optional.of(UUID.fromString(v.uuid())), btrfs.show(copy).receivedUuid(),
                    replica.id() + "'s version " + v.version() + " has the master's uuid as received uuid");
            assertTrue(btrfs.show(copy).readOnly());
        }
    }

    // ---- the tests -------------------------------------------------------------------------------

    @Test
    void aServingReplicaAnnouncesWhereAndWithWhichHostKey() throws IOException {
        a.start();
        await("A registered").atMost(WAIT).until(() -> !kafka.registrations(a.id()).isEmpty());
        PeerService serves = kafka.registrations(a.id()).get(0).serves().orElseThrow();
        assertEquals("127.0.0.1", serves.host());
        assertEquals(aServer().port(), serves.port(), "the bound port, not the configured 0");
        assertEquals(KeyUtils.getFingerPrint(aServer().hostKey()), serves.hostKeyFingerprint());
        assertEquals(2, serves.maxDownstreams(), "the default");
        await("a heartbeat").atMost(WAIT).until(() -> kafka.registrations(a.id()).size() >= 2);
        assertTrue(kafka.registrations(a.id()).stream().allMatch(r -> r.serves().equals(Optional.of(serves))),
                "every heartbeat repeats it");
        // Its host key is kept: a restart serves with the same key, which downstreams pinned.
        String key = aServer().hostKeyEntry();
        assertTrue(Files.readString(tmp.resolve("a-serve/host_key.pub")).startsWith(key + " icbd-replica-" + a.id()));
        a.stop();
        a.start();
        assertEquals(key, aServer().hostKeyEntry());
    }

    @Test
    void stepsNamingAPeerComeFromItAndChainOnFullsFromThePeerAndFromTheMaster() throws IOException {
        a.set("icbd.replica.subscriptions", IMAGE + ":3");
        List<ImageVersion> v = aHoldsThreeVersions();
        ImageVersion v1 = v.get(0);
        ImageVersion v2 = v.get(1);
        ImageVersion v3 = v.get(2);
        double servedBefore = aServed();
        assertEquals(0, servedBefore, "A served nothing yet");

        // B: a full from A, a delta from A on top of it, then a delta from the master on top of that.
        ReplicaSite b = downstream("b", List.of()).start();
        kafka.send(task(b, "b-1", List.of(), full(v1, a.id()), delta(v1, v2, a.id())));
        awaitState(b, "B applied version 2", s -> applied(s, "b-1", 2));
        List<StepReport> fromA = reports(b, "b-1");
        assertEquals(List.of(a.id(), a.id()), fromA.stream().map(StepReport::sourceId).toList(), fromA.toString());
        assertTrue(fromA.stream().allMatch(r -> r.outcome() == Outcome.APPLIED), fromA.toString());
        long bBytes = fromA.stream().mapToLong(StepReport::bytes).sum();
        assertEquals((double) bBytes, aServed(), "A served exactly the wire bytes B received");

        kafka.send(task(b, "b-2", List.of(1, 2), delta(v2, v3, Sources.MASTER)));
        awaitState(b, "B applied version 3", s -> applied(s, "b-2", 3));
        assertEquals(List.of(Sources.MASTER), reports(b, "b-2").stream().map(StepReport::sourceId).toList());
        assertEquals(held(v1, v2, v3), kafka.latest(b.id(), IMAGE).versions());
        assertSameAsMaster(b, v1, v2, v3);

        // C: a full from the master, then a delta from A on top of it.
        ReplicaSite c = downstream("c", List.of()).start();
        kafka.send(task(c, "c-1", List.of(), full(v1, Sources.MASTER), delta(v1, v2, a.id()), delta(v2, v3, a.id())));
        awaitState(c, "C applied version 3", s -> applied(s, "c-1", 3));
        assertEquals(List.of(Sources.MASTER, a.id(), a.id()),
                reports(c, "c-1").stream().map(StepReport::sourceId).toList());
        assertSameAsMaster(c, v1, v2, v3);
        assertEquals(List.of(), c.stagingEntries());
        Path aStreams = a.root().resolve(".streams").resolve(IMAGE);
        // The deltas fit A's stream budget (10% of its pool's free space); the 24 MB full may not.
        assertTrue(streamFiles(aStreams).containsAll(List.of("1-2.lz4", "2-3.lz4")), "A stored what it served: "
                + streamFiles(aStreams));

        // A's retention (keep 3) deletes version 1 once it holds 4: its stored streams go with it.
        ImageVersion v4 = nextVersion(4);
        kafka.send(task(a, "a-2", List.of(1, 2, 3), TransferStep.delta(3, v3.uuid(), 4, v4.uuid())));
        awaitState(a, "A holds 2, 3 and 4", s -> s.versions().equals(held(v2, v3, v4)));
        assertEquals(List.of("2-3.lz4"), streamFiles(aStreams));
    }

    private static List<String> streamFiles(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".lz4")).sorted().toList();
        }
    }

    @Test
    void aSourceTheReplicaDoesNotTrustIsNotFollowed() throws IOException {
        List<ImageVersion> v = aHoldsThreeVersions();
        try (ServerSocket untrusted = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // "x" serves (so it says) at the listener; B does not list it. Nor does it list itself.
            ReplicaSite b = downstream("b", List.of()).start();
            kafka.send(task(b, "b-x", List.of(), full(v.get(0), prefix + "x"), delta(v.get(0), v.get(1), b.id())));
            awaitState(b, "B applied version 2", s -> applied(s, "b-x", 2));
            assertEquals(List.of(Sources.MASTER, Sources.MASTER),
                    reports(b, "b-x").stream().map(StepReport::sourceId).toList(), "pulled from the master");
            assertSameAsMaster(b, v.get(0), v.get(1));
            assertEquals(0, aServed(), "nor from A");
            untrusted.setSoTimeout(300);
            assertThrows(SocketTimeoutException.class, untrusted::accept, "nobody connected to the untrusted address");
        }
    }

    @Test
    void aPeerThatCannotBeReachedFailsItsStepThenTheMasterCompletesTheTask() throws IOException {
        List<ImageVersion> v = aHoldsThreeVersions();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String gone = prefix + "gone";
        ReplicaSite b = downstream("b", List.of(Map.of("id", gone, "host", "127.0.0.1", "port", closedPort,
                "host-key", TestKeys.publicLine(TestKeys.generate())))).start();
        kafka.send(task(b, "b-gone", List.of(), full(v.get(0), gone), delta(v.get(0), v.get(1), gone)));
        awaitState(b, "B applied version 2", s -> applied(s, "b-gone", 2));
        List<StepReport> reports = reports(b, "b-gone");
        StepReport failed = reports.get(0);
        assertEquals(Outcome.FAILED, failed.outcome(), reports.toString());
        assertEquals(gone, failed.sourceId());
        assertEquals(Optional.of(ErrorClass.TRANSIENT), failed.errorClass());
        assertTrue(failed.error().orElseThrow().contains("retrying from the master"), failed.error().orElseThrow());
        assertEquals(List.of(Sources.MASTER, Sources.MASTER), reports.subList(1, reports.size()).stream()
                .map(StepReport::sourceId).toList(), reports.toString());
        assertSameAsMaster(b, v.get(0), v.get(1));
    }

    @Test
    void aPeerRefusesStrangersOtherUsersAndWhatItDoesNotHoldAndTheStockClientPullsFromIt() throws Exception {
        List<ImageVersion> v = aHoldsThreeVersions();
        ClientKeys known = ClientKeys.generate(tmp, "downstream");
        ClientKeys stranger = ClientKeys.generate(tmp, "stranger");
        Files.writeString(aAuthorizedKeys, known.authorizedKeyLine() + "\n", StandardOpenOption.APPEND);
        double servedBefore = aServed();
        try (SshExec ssh = new SshExec(aServer().hostKey(), aServer().port())) {
            SshException notAuthorized = assertThrows(SshException.class,
                    () -> ssh.exec(stranger.keyPair(), "icbd-send/1 image=ubuntu version=1"));
            assertTrue(notAuthorized.getMessage().toLowerCase().contains("no more authentication methods"),
                    notAuthorized.getMessage());
            for (String user : List.of("root", "icbd2")) {
                SshException otherUser = assertThrows(SshException.class, () -> ssh.exec(user, known.keyPair(),
                        "icbd-send/1 image=ubuntu version=1", in -> { }, line -> { }), user);
                assertTrue(otherUser.getMessage().toLowerCase().contains("no more authentication methods"),
                        otherUser.getMessage());
            }
            SshExec.Result absent = ssh.exec(known.keyPair(), "icbd-send/1 image=ubuntu version=9");
            assertEquals(SendExitStatus.REFUSED, absent.exitStatus(), absent.stderr());
            assertTrue(absent.stderr().contains("image ubuntu has no version 9 on replica " + a.id()), absent.stderr());
            SshExec.Result badGrammar = ssh.exec(known.keyPair(), "icbd-send/1 image=../etc version=1");
            assertEquals(SendExitStatus.REFUSED, badGrammar.exitStatus(), badGrammar.stderr());
            SshExec.Result shell = ssh.exec(known.keyPair(), "sh -c id");
            assertEquals(SendExitStatus.REFUSED, shell.exitStatus(), shell.stderr());
        }
        assertEquals(servedBefore, aServed(), "nothing was sent");

        // Stored streams with offsets, as on the master: the stat, then the stream's tail from an offset.
        try (SshExec ssh = new SshExec(aServer().hostKey(), aServer().port())) {
            java.io.ByteArrayOutputStream stat = new java.io.ByteArrayOutputStream();
            SshExec.Result statResult = ssh.exec(known.keyPair(), "icbd-stat/1 image=ubuntu version=3 parent=2",
                    in -> in.transferTo(stat), line -> { });
            assertEquals(SendExitStatus.OK, statResult.exitStatus(), statResult.stderr());
            String[] fields = stat.toString(java.nio.charset.StandardCharsets.US_ASCII).strip().split(" ");
            long length = Long.parseLong(fields[0].substring("length=".length()));
            java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream tail = new java.io.ByteArrayOutputStream();
            assertEquals(SendExitStatus.OK, ssh.exec(known.keyPair(), "icbd-send/1 image=ubuntu version=3 parent=2",
                    in -> in.transferTo(whole), line -> { }).exitStatus());
            long offset = length / 3;
            assertEquals(SendExitStatus.OK, ssh.exec(known.keyPair(), "icbd-send/1 image=ubuntu version=3 parent=2"
                    + " offset=" + offset, in -> in.transferTo(tail), line -> { }).exitStatus());
            assertEquals(length, whole.size());
            assertEquals("sha256=" + java.util.HexFormat.of().formatHex(java.security.MessageDigest
                    .getInstance("SHA-256").digest(whole.toByteArray())), fields[1]);
            org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOfRange(whole.toByteArray(),
                    (int) offset, whole.size()), tail.toByteArray(), "the tail from the offset");
            assertEquals(SendExitStatus.STREAM_REFUSED, ssh.exec(known.keyPair(), "icbd-send/1 image=ubuntu version=3"
                    + " parent=2 offset=" + (length + 1)).exitStatus(), "an offset past the end");
        }
        servedBefore = aServed();

        // The stock OpenSSH client pulls version 2 (a full stream) from A into btrfs receive: it arrives
        // with the master's uuid as its received uuid.
        ReplicaSite d = track(ReplicaSite.create(tmp.resolve("d"), prefix + "d", 256L << 20));
        Path into = Files.createDirectories(d.root().resolve("openssh"));
        Path knownHosts = tmp.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + aServer().port() + " " + aServer().hostKeyEntry() + "\n");
        Path sshErr = tmp.resolve("ssh.err");
        Path receiveErr = tmp.resolve("receive.err");
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder(List.of("ssh", "-F", "/dev/null", "-i", known.privateKey().toString(),
                        "-p", Integer.toString(aServer().port()),
                        "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
                        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                        "icbd@127.0.0.1", "icbd-send/1 image=ubuntu version=2"))
                        .redirectError(sshErr.toFile()),
                new ProcessBuilder(List.of("btrfs", "receive", into.toString()))
                        .redirectError(receiveErr.toFile())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)));
        try {
            assertTrue(pipeline.get(1).waitFor(60, TimeUnit.SECONDS), "btrfs receive exits");
            assertTrue(pipeline.get(0).waitFor(60, TimeUnit.SECONDS), "ssh exits");
            assertEquals(0, pipeline.get(0).exitValue(), () -> "ssh: " + read(sshErr));
            assertEquals(0, pipeline.get(1).exitValue(), () -> "btrfs receive: " + read(receiveErr));
        } finally {
            pipeline.forEach(Process::destroyForcibly);
        }
        Trees.assertSameTree(master.versionDir(IMAGE, 2), into.resolve("2"));
        assertEquals(Optional.of(UUID.fromString(v.get(1).uuid())), btrfs.show(into.resolve("2")).receivedUuid());
        assertTrue(aServed() > servedBefore);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
