package org.icbd.rcs.master.ssh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.stream.StreamStore;
import org.icbd.rcs.testkit.ClientKeys;
import org.icbd.rcs.testkit.SshExec;
import org.icbd.rcs.testkit.TestPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The bound on concurrent sends, with real sends: the first send of each test is held at its first
 * read until the test opens the gate, so the slot stays taken as long as the test needs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SendSlotsIT {

    private static final String REQUEST = "icbd-send/1 image=ubuntu version=1";

    private Path tmp;
    private TestPool master;
    private ImageRepository repository;
    private BtrfsTool btrfs;
    private ClientKeys keys;
    private Path authorized;

    private CountDownLatch gate;
    private AtomicInteger opened;
    private SendServer server;
    private SshExec ssh;

    @BeforeAll
    void setUp() throws IOException {
        tmp = Files.createTempDirectory("icbd-slots-it-");
        master = TestPool.create("slots");
        CommandRunner runner = new CommandRunner();
        btrfs = new BtrfsTool(runner);
        repository = new ImageRepository(master.root(), runner);
        Path work = repository.init("ubuntu");
        Files.writeString(work.resolve("f"), "content");
        repository.snapshotNext("ubuntu");
        keys = ClientKeys.generate(tmp.resolve("keys"), "replica");
        authorized = tmp.resolve("authorized_keys");
        Files.writeString(authorized, keys.authorizedKeyLine() + "\n");
    }

    @BeforeEach
    void newGate() {
        gate = new CountDownLatch(1);
        opened = new AtomicInteger();
    }

    @AfterEach
    void stopServer() {
        gate.countDown();
        if (ssh != null) {
            ssh.close();
            ssh = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @AfterAll
    void tearDown() {
        try {
            if (master != null) {
                master.close();
            }
        } finally {
            TestPool.delete(tmp);
        }
    }

    private void startServer(Duration queueTimeout) {
        SendServerSettings settings = SendServerSettings.defaults(tmp.resolve("host_key"), authorized)
                .withHost("127.0.0.1").withPort(0).withMaxConcurrentSends(1).withSendQueueTimeout(queueTimeout);
        // A store of its own per test: a stream stored by an earlier test would answer without a send.
        StreamStore streams;
        try {
            streams = new StreamStore(Files.createTempDirectory(tmp, "streams-"), 1L << 30, StreamCodec.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = SendServer.builder(settings, repository).streams(streams).source((snapshot, parent) -> {
            InputStream stream = btrfs.send(snapshot, parent);
            return opened.incrementAndGet() == 1 ? held(stream) : stream;
        }).start();
        ssh = new SshExec(server.hostKey(), server.port());
    }

    private InputStream held(InputStream stream) {
        return new FilterInputStream(stream) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    if (!gate.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("the test never opened the gate");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                return super.read(b, off, len);
            }
        };
    }

    private CompletableFuture<SshExec.Result> request(List<String> stderrLines) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return ssh.exec(keys.keyPair(), REQUEST, in -> { }, stderrLines::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void aRequestOverTheBoundWaitsIsToldWhyAndProceedsWhenTheSlotFrees() {
        startServer(Duration.ofSeconds(60));
        CompletableFuture<SshExec.Result> first = request(new CopyOnWriteArrayList<>());
        await().atMost(Duration.ofSeconds(30)).until(() -> server.slots().inUse() == 1 && opened.get() == 1);

        List<String> secondStderr = new CopyOnWriteArrayList<>();
        CompletableFuture<SshExec.Result> second = request(secondStderr);
        await().atMost(Duration.ofSeconds(30)).until(() -> !secondStderr.isEmpty());
        assertEquals("icbd-send: waiting for a send slot: 1 of 1 in use (waiting up to 60 s)", secondStderr.get(0));
        assertFalse(second.isDone(), "the second request waits");
        assertEquals(1, opened.get(), "the second send has not started");

        gate.countDown();
        assertEquals(SendExitStatus.OK, first.join().exitStatus());
        SshExec.Result result = second.join();
        assertEquals(SendExitStatus.OK, result.exitStatus(), result.stderr());
        // The same step: the second request reads the stream the first one produced and stored.
        assertEquals(1, opened.get(), "one btrfs send served both requests");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.slots().inUse() == 0);
    }

    @Test
    void aRequestThatFindsNoSlotWithinTheQueueTimeoutIsToldTheMasterIsBusy() {
        startServer(Duration.ofSeconds(1));
        CompletableFuture<SshExec.Result> first = request(new CopyOnWriteArrayList<>());
        await().atMost(Duration.ofSeconds(30)).until(() -> server.slots().inUse() == 1 && opened.get() == 1);

        SshExec.Result busy = request(new CopyOnWriteArrayList<>()).join();
        assertEquals(SendExitStatus.BUSY, busy.exitStatus(), busy.stderr());
        assertTrue(busy.stderr().contains("icbd-send: master busy: all 1 send slots stayed in use for 1 s; retry later"),
                busy.stderr());
        assertEquals(1, opened.get(), "the busy request ran nothing");

        gate.countDown();
        assertEquals(SendExitStatus.OK, first.join().exitStatus());
    }
}
