package org.icbd.rcs.master.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.apache.sshd.common.SshException;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestPool;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The send service end to end on real btrfs: streams pulled with MINA's client and the stock OpenSSH
 * client, received with {@code btrfs receive} into a second pool and compared byte for byte; and every
 * kind of request it must refuse without running anything. One master pool, one replica pool and one
 * server for the class: tests receive into directories of their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SendServerIT {

    private static final String IMAGE = "ubuntu";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Path tmp;
    private TestPool master;
    private TestPool replica;
    private ImageRepository repository;
    private BtrfsTool btrfs;
    private ClientKeys clientKeys;
    private ClientKeys strangerKeys;
    private final AtomicInteger sendsStarted = new AtomicInteger();
    private SendServer server;
    private SshExec ssh;

    @BeforeAll
    void setUp() throws Exception {
        tmp = Files.createTempDirectory("icbd-send-it-");
        master = track(TestPool.create("master"));
        replica = track(TestPool.create("replica"));
        CommandRunner runner = new CommandRunner();
        btrfs = new BtrfsTool(runner);
        repository = new ImageRepository(master.root(), runner);

        Path work = repository.init(IMAGE);
        Files.writeString(work.resolve("a.txt"), "version one\n");
        Trees.writeRandom(work.resolve("disk.img"), 6 * 1024 * 1024 + 123, 1);
        Files.createDirectories(work.resolve("etc"));
        Files.writeString(work.resolve("etc/hostname"), "desk\n");
        Files.writeString(work.resolve("etc/to-delete"), "gone in version two\n");
        Files.writeString(work.resolve("old-name"), "renamed in version two\n");
        repository.snapshotNext(IMAGE);
        Files.writeString(work.resolve("a.txt"), "version two, modified\n");
        Files.writeString(work.resolve("added.txt"), "added in version two\n");
        Files.delete(work.resolve("etc/to-delete"));
        Files.move(work.resolve("old-name"), work.resolve("new-name"));
        Trees.overwriteRandom(work.resolve("disk.img"), 1024 * 1024, 512 * 1024, 2);
        Files.createSymbolicLink(work.resolve("link"), Path.of("a.txt"));
        repository.snapshotNext(IMAGE);

        // A second image with more versions than the first: its version 3 is no parent of ubuntu's.
        Path otherWork = repository.init("other");
        for (int v = 1; v <= 3; v++) {
            Files.writeString(otherWork.resolve("f"), "other " + v);
            repository.snapshotNext("other");
        }

        clientKeys = ClientKeys.generate(tmp.resolve("keys"), "replica1");
        strangerKeys = ClientKeys.generate(tmp.resolve("keys"), "stranger");
        Path authorized = tmp.resolve("authorized_keys");
        Files.writeString(authorized, "# replicas\n" + clientKeys.authorizedKeyLine() + "\n");

        SendServerSettings settings = SendServerSettings.defaults(tmp.resolve("host/ssh_host_key"), authorized)
                .withHost("127.0.0.1").withPort(0);
        server = track(SendServer.builder(settings, repository)
                .source((snapshot, parent) -> {
                    sendsStarted.incrementAndGet();
                    return btrfs.send(snapshot, parent);
                })
                .start());
        ssh = track(new SshExec(server.hostKey(), server.port()));
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
    void fullThenIncrementalStreamsRebuildEveryFileByteForByte() throws Exception {
        pullFullAndDelta("plain", "");
    }

    @Test
    void lz4StreamsRebuildEveryFileByteForByte() throws Exception {
        pullFullAndDelta("lz4", " compress=lz4");
    }

    private void pullFullAndDelta(String dirName, String compress) throws Exception {
        Path into = Files.createDirectories(replica.root().resolve(dirName));
        ImageVersion v1 = repository.version(IMAGE, 1);
        ImageVersion v2 = repository.version(IMAGE, 2);
        boolean lz4 = !compress.isEmpty();

        ReceivedSubvolume full = pull("icbd-send/1 image=ubuntu version=1" + compress, into, lz4);
        assertEquals(v1.uuid(), full.info().receivedUuid().orElseThrow().toString(), "received_uuid of version 1");
        assertTrue(full.info().readOnly());
        Trees.assertSameTree(v1.path(), full.path());

        // The delta goes into a directory of its own: its parent is found by received_uuid.
        Path deltaDir = Files.createDirectories(into.resolve("delta"));
        ReceivedSubvolume delta = pull("icbd-send/1 image=ubuntu version=2 parent=1" + compress, deltaDir, lz4);
        assertEquals(v2.uuid(), delta.info().receivedUuid().orElseThrow().toString(), "received_uuid of version 2");
        Trees.assertSameTree(v2.path(), delta.path());
        assertTrue(Files.exists(delta.path().resolve("added.txt")));
        assertFalse(Files.exists(delta.path().resolve("etc/to-delete")));
        assertEquals("renamed in version two\n", Files.readString(delta.path().resolve("new-name")));
    }

    private ReceivedSubvolume pull(String request, Path into, boolean lz4) throws IOException {
        AtomicReference<ReceivedSubvolume> received = new AtomicReference<>();
        SshExec.Result result = ssh.exec(clientKeys.keyPair(), request, stdout -> {
            InputStream stream = lz4 ? new LZ4FrameInputStream(stdout) : stdout;
            received.set(btrfs.receive(into, stream));
        }, line -> { });
        assertEquals(0, result.exitStatus(), () -> request + " failed: " + result.stderr());
        assertEquals("", result.stderr());
        return received.get();
    }

    @Test
    void theStockOpenSshClientPullsAStreamIntoBtrfsReceive() throws Exception {
        Path into = Files.createDirectories(replica.root().resolve("openssh"));
        Path knownHosts = tmp.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " " + server.hostKeyEntry() + "\n");
        Path sshErr = tmp.resolve("ssh.err");
        Path receiveErr = tmp.resolve("receive.err");
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder(List.of("ssh", "-F", "/dev/null", "-i", clientKeys.privateKey().toString(),
                        "-p", Integer.toString(server.port()),
                        "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
                        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                        "icbd@127.0.0.1", "icbd-send/1 image=ubuntu version=2"))
                        .redirectError(sshErr.toFile()),
                new ProcessBuilder(List.of("btrfs", "receive", into.toString()))
                        .redirectError(receiveErr.toFile())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)));
        try {
            assertTrue(pipeline.get(1).waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "btrfs receive exits");
            assertTrue(pipeline.get(0).waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "ssh exits");
            assertEquals(0, pipeline.get(0).exitValue(), () -> "ssh: " + read(sshErr));
            assertEquals(0, pipeline.get(1).exitValue(), () -> "btrfs receive: " + read(receiveErr));
        } finally {
            pipeline.forEach(Process::destroyForcibly);
        }
        ImageVersion v2 = repository.version(IMAGE, 2);
        Trees.assertSameTree(v2.path(), into.resolve("2"));
        assertEquals(v2.uuid(), btrfs.show(into.resolve("2")).receivedUuid().orElseThrow().toString());
    }

    @Test
    void aKeyThatIsNotAuthorizedCannotLogIn() {
        int before = sendsStarted.get();
        SshException e = assertThrows(SshException.class, () -> ssh.exec(strangerKeys.keyPair(),
                "icbd-send/1 image=ubuntu version=1"));
        assertTrue(e.getMessage().toLowerCase().contains("no more authentication methods"), e.getMessage());
        assertEquals(before, sendsStarted.get(), "no send ran");
    }

    @Test
    void aKnownKeyLoggingInAsAnotherUserIsRefused() {
        int before = sendsStarted.get();
        for (String user : List.of("root", "admin", "icbd2")) {
            SshException e = assertThrows(SshException.class, () -> ssh.exec(user, clientKeys.keyPair(),
                    "icbd-send/1 image=ubuntu version=1", in -> { }, line -> { }), user);
            assertTrue(e.getMessage().toLowerCase().contains("no more authentication methods"), e.getMessage());
        }
        assertEquals(before, sendsStarted.get(), "no send ran");
    }

    @Test
    void theStockOpenSshClientIsRefusedAsAnotherUser() throws Exception {
        Path knownHosts = tmp.resolve("known_hosts-user");
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " " + server.hostKeyEntry() + "\n");
        Path sshErr = tmp.resolve("ssh-user.err");
        int before = sendsStarted.get();
        Process ssh = new ProcessBuilder(List.of("ssh", "-F", "/dev/null", "-i", clientKeys.privateKey().toString(),
                "-p", Integer.toString(server.port()),
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "root@127.0.0.1", "icbd-send/1 image=ubuntu version=1"))
                .redirectError(sshErr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertTrue(ssh.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "ssh exits");
            assertEquals(255, ssh.exitValue(), () -> "ssh: " + read(sshErr));
            assertTrue(read(sshErr).contains("Permission denied"), () -> read(sshErr));
        } finally {
            ssh.destroyForcibly();
        }
        assertEquals(before, sendsStarted.get(), "no send ran");
    }

    /** A refusal names what is wrong with the request, never where the master keeps its pool or how it is run. */
    @Test
    void refusalsTellNeitherThePoolPathNorAnAdminCommand() throws IOException {
        for (String request : List.of("icbd-send/1 image=debian version=1", "icbd-send/1 image=ubuntu version=99",
                "icbd-send/1 image=ubuntu version=4 parent=3")) {
            SshExec.Result result = ssh.exec(clientKeys.keyPair(), request);
            assertEquals(SendExitStatus.REFUSED, result.exitStatus(), () -> request + ": " + result.stderr());
            assertFalse(result.stderr().contains(master.root().toString()), () -> request + ": " + result.stderr());
            assertFalse(result.stderr().contains("icbd image"), () -> request + ": " + result.stderr());
            assertFalse(result.stderr().contains("/"), () -> request + ": " + result.stderr());
        }
    }

    /** A replica authorised while the master runs gets in at once, and one removed is out at once. */
    @Test
    void keysAddedToAndRemovedFromTheFileTakeEffectAtTheNextConnection() throws Exception {
        Path authorized = tmp.resolve("authorized_keys");
        String original = Files.readString(authorized);
        assertThrows(SshException.class, () -> ssh.exec(strangerKeys.keyPair(), "icbd-send/1 image=ubuntu version=1"));
        Files.writeString(authorized, original + strangerKeys.authorizedKeyLine() + "\n");
        try {
            assertRefused(strangerKeys, "icbd-send/1 image=ubuntu version=99", "version 99");
        } finally {
            Files.writeString(authorized, original);
        }
        assertThrows(SshException.class, () -> ssh.exec(strangerKeys.keyPair(), "icbd-send/1 image=ubuntu version=1"));
    }

    @Test
    void aCommandThatIsNotATransferRequestIsRefused() throws IOException {
        assertRefused("cat /etc/shadow", "unknown command 'cat'");
    }

    @Test
    void aPathInTheImageNameIsRefused() throws IOException {
        assertRefused("icbd-send/1 image=../x version=1", "image '../x' is not a valid image name");
    }

    @Test
    void shellSyntaxIsRefused() throws IOException {
        assertRefused("icbd-send/1 image=ubuntu version=1; reboot", "'reboot' is not of the form key=value");
    }

    @Test
    void anUnknownVersionIsRefused() throws IOException {
        assertRefused("icbd-send/1 image=ubuntu version=99", "image ubuntu has no version 99");
    }

    @Test
    void anUnknownImageIsRefused() throws IOException {
        assertRefused("icbd-send/1 image=debian version=1", "image debian does not exist");
    }

    @Test
    void aParentNewerThanTheVersionIsRefused() throws IOException {
        assertRefused("icbd-send/1 image=ubuntu version=1 parent=2", "parent 2 is not older than version 1");
    }

    @Test
    void aParentThatOnlyAnotherImageHasIsRefused() throws IOException {
        // "other" has a version 3, ubuntu does not: a parent always names a version of the request's image.
        assertRefused("icbd-send/1 image=ubuntu version=4 parent=3", "image ubuntu has no version 4");
        assertRefused("icbd-send/1 image=other version=3 parent=2 compress=gzip", "compress 'gzip' is unknown");
    }

    @Test
    void aSymbolicLinkToAnotherImagesSnapshotIsRefused() throws IOException {
        Path link = repository.imageDir(IMAGE).resolve("versions").resolve("7");
        Files.createSymbolicLink(link, repository.version("other", 1).path());
        try {
            assertRefused("icbd-send/1 image=ubuntu version=7", "image ubuntu has no version 7");
            assertRefused("icbd-send/1 image=ubuntu version=8 parent=7", "image ubuntu has no version 8");
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void aStreamFilterCanCutTheConnectionMidStreamAndTheSendIsAbandoned() throws Exception {
        long cutAfter = 1024 * 1024;
        SendStreamFilter cutter = (wire, context) -> new java.io.FilterOutputStream(wire) {
            private long sent;

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (sent + len > cutAfter) {
                    context.closeConnection().run();
                    throw new IOException("cut by the test after " + sent + " bytes");
                }
                out.write(b, off, len);
                sent += len;
            }
        };
        SendServerSettings settings = SendServerSettings.defaults(tmp.resolve("host/ssh_host_key"),
                tmp.resolve("authorized_keys")).withHost("127.0.0.1").withPort(0);
        try (SendServer cutting = SendServer.builder(settings, repository).filter(cutter).start();
             SshExec client = new SshExec(cutting.hostKey(), cutting.port())) {
            assertEquals(server.hostKey(), cutting.hostKey(), "the host key file is reused, not regenerated");
            long[] received = {0};
            try {
                SshExec.Result result = client.exec(clientKeys.keyPair(), "icbd-send/1 image=ubuntu version=1",
                        in -> received[0] = in.transferTo(java.io.OutputStream.nullOutputStream()), line -> { });
                assertTrue(result.exitStatus() == null || result.exitStatus() != 0, String.valueOf(result));
            } catch (IOException expected) {
                // The connection went away under the client: what a replica sees on a broken network.
            }
            assertTrue(received[0] <= cutAfter, "received " + received[0]);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> cutting.slots().inUse() == 0);
        }
    }

    private void assertRefused(String request, String message) throws IOException {
        assertRefused(clientKeys, request, message);
    }

    private void assertRefused(ClientKeys keys, String request, String message) throws IOException {
        int before = sendsStarted.get();
        SshExec.Result result = ssh.exec(keys.keyPair(), request);
        assertEquals(SendExitStatus.REFUSED, result.exitStatus(), () -> request + ": " + result.stderr());
        String stderr = result.stderr();
        assertTrue(stderr.startsWith("icbd-send: refused: ") && stderr.contains(message) && stderr.endsWith("\n")
                && stderr.indexOf('\n') == stderr.length() - 1, () -> "one line with '" + message + "': " + stderr);
        assertEquals(before, sendsStarted.get(), "no send ran for " + request);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
