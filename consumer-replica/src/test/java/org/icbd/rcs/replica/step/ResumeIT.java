package org.icbd.rcs.replica.step;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.rate.Throttle;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.replica.pull.HostKeyPin;
import org.icbd.rcs.replica.pull.MasterClient;
import org.icbd.rcs.replica.pull.MasterEndpoint;
import org.icbd.rcs.replica.testing.CuttingRelay;
import org.icbd.rcs.replica.testing.MasterSite;
import org.icbd.rcs.testkit.TestKeys;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Resumable pulls against the real things: the master's send service with its stored streams on a
 * loop-mounted pool, a replica pool, and a TCP relay between them that cuts connections. The test
 * drives {@link PullStepRunner} as the task driver does: a failed attempt is run again.
 */
@Timeout(300)
class ResumeIT {

    private static final String IMAGE = "ubuntu";
    private static final long DISK_BYTES = 24L << 20;

    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private MasterSite master;
    private LoopPool replicaPool;
    private ReplicaPool pool;
    private CuttingRelay relay;
    private MasterClient client;
    private PullStepRunner runner;
    private KeyPair key;

    @BeforeEach
    void sites() throws IOException {
        key = TestKeys.generate();
        master = MasterSite.start(tmp.resolve("master"), 384L << 20, TestKeys.publicLine(key));
        replicaPool = LoopPool.create(tmp.resolve("replica.img"), tmp.resolve("replica"), 384L << 20);
        relay = CuttingRelay.to(master.port());
        pool = ReplicaPool.open("r1", replicaPool.mountPoint(), btrfs, new BtrfsFsCheck(btrfs));
        master.init(IMAGE);
    }

    @AfterEach
    void cleanup() {
        List<AutoCloseable> all = new ArrayList<>();
        all.add(runner);
        all.add(client);
        all.add(relay);
        all.add(pool);
        all.add(replicaPool);
        all.add(master);
        for (AutoCloseable c : all) {
            try {
                close(c);
            } catch (Exception e) {
                // Every resource is closed, whatever the others do.
            }
        }
    }

    private static void close(AutoCloseable c) throws Exception {
        if (c != null) {
            c.close();
        }
    }

    private void connect(Optional<Throttle> cap) {
        MasterEndpoint endpoint = new MasterEndpoint("127.0.0.1", relay.port(), "icbd",
                HostKeyPin.parse(master.hostKeyLine(), "127.0.0.1", relay.port()), key, Duration.ofSeconds(10),
                Duration.ofSeconds(20));
        client = new MasterClient("r1", endpoint);
        runner = new PullStepRunner("r1", pool, client, Duration.ofMillis(200), Clock.systemUTC(), cap);
    }

    private ImageVersion version1() throws IOException {
        Path work = master.work(IMAGE);
        Trees.writeRandom(work.resolve("disk/template.img"), DISK_BYTES, 7);
        Files.writeString(Files.createDirectories(work.resolve("boot")).resolve("package.cfg"), "kernel=6.1\n");
        return master.publish(IMAGE);
    }

    private static StepOrder full(ImageVersion v, Compression c) {
        return new StepOrder("t-" + UUID.randomUUID().toString().substring(0, 6), IMAGE,
                TransferStep.full(v.version(), v.uuid()), c);
    }

    /** Runs the step until it is applied, as the task driver retries it; every attempt's result in order. */
    private List<StepResult> runUntilApplied(StepOrder order, int maxAttempts) {
        List<StepResult> results = new ArrayList<>();
        for (int i = 0; i < maxAttempts; i++) {
            StepResult r = runner.run(order, StepObserver.NONE, new AbortSignal());
            results.add(r);
            if (r instanceof StepResult.Applied) {
                return results;
            }
            assertTrue(((StepResult.Failed) r).failure().isTransient(), () -> "attempt failed for good: " + r);
        }
        return results;
    }

    private void assertArrived(ImageVersion v) throws IOException {
        Path received = pool.versionDir(IMAGE, v.version());
        Trees.assertSameTree(master.versionDir(IMAGE, v.version()), received);
        assertEquals(Optional.of(UUID.fromString(v.uuid())), btrfs.show(received).receivedUuid());
        assertEquals(List.of(), staging(), "staging is empty once the version is promoted");
    }

    private List<String> staging() throws IOException {
        Path dir = pool.stagingDir(IMAGE);
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static long streamBytesOf(List<StepResult> results) {
        return ((StepResult.Applied) results.get(results.size() - 1)).streamBytes().orElseThrow();
    }

    private static long wireBytesOf(List<StepResult> results) {
        return results.stream().mapToLong(StepResult::wireBytes).sum();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aStreamCutAtSeveralPointsResumesAndArrivesByteForByte(Compression codec) throws IOException {
        ImageVersion v1 = version1();
        // Cuts early, in the middle and near the end of the stream. Each is counted on the connection it
        // cuts (SSH framing included), which starts where the last one ended: at about 0.3 MB, 12.9 MB
        // and 22.9 MB of the 25 MB stream.
        relay.cutAfter(300_000).cutAfter(DISK_BYTES / 2).cutAfter(DISK_BYTES * 4 / 10);
        connect(Optional.empty());
        StepOrder order = full(v1, codec);

        List<StepResult> results = runUntilApplied(order, 8);

        assertInstanceOf(StepResult.Applied.class, results.get(results.size() - 1), results::toString);
        assertArrived(v1);
        long cuts = relay.cutsMade();
        assertEquals(3, cuts, "the relay cut the stream at each planned point");
        assertEquals(cuts + 1, results.size(), "one retry per cut: " + results);
        for (StepResult r : results.subList(0, results.size() - 1)) {
            assertEquals(ErrorClass.TRANSIENT, ((StepResult.Failed) r).failure().errorClass(), r::toString);
        }
        long streamLength = new StreamStatView(client, order).length();
        long wire = wireBytesOf(results);
        assertTrue(wire <= streamLength * 11 / 10, "stream bytes over every attempt " + wire
                + " <= 1.1 x the stream's " + streamLength);
        assertTrue(relay.bytesFromMaster() <= streamLength * 11 / 10, "bytes on the wire " + relay.bytesFromMaster()
                + " (SSH included) <= 1.1 x the stream's " + streamLength);
        System.out.printf("resume %s: %d cuts, stream %d bytes, stream bytes received %d (%.3fx), from the master"
                + " with SSH %d (%.3fx)%n", codec, cuts, streamLength, wire, wire / (double) streamLength,
                relay.bytesFromMaster(), relay.bytesFromMaster() / (double) streamLength);
        if (codec == Compression.NONE) {
            assertEquals(streamLength, streamBytesOf(results));
        }
    }

    @Test
    void corruptBytesHeldAreDiscardedNeverPromotedAndTheStepStartsAgainFromZero() throws IOException {
        ImageVersion v1 = version1();
        relay.cutAfter(DISK_BYTES / 2);
        connect(Optional.empty());
        StepOrder order = full(v1, Compression.LZ4);

        StepResult first = runner.run(order, StepObserver.NONE, new AbortSignal());
        assertEquals(ErrorClass.TRANSIENT, ((StepResult.Failed) first).failure().errorClass(), first::toString);
        Path file = pool.streamFile(IMAGE, v1.version(), Optional.empty(), Compression.LZ4);
        long held = Files.size(file);
        assertTrue(held > 0, "the bytes before the cut are kept");
        // The held bytes go bad (a disk error): the resumed stream cannot be the master's.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55, 0x55, 0x55, 0x55}), held / 2);
        }

        StepResult second = runner.run(order, StepObserver.NONE, new AbortSignal());
        assertInstanceOf(StepResult.Failed.class, second);
        assertEquals(ErrorClass.CORRUPT, ((StepResult.Failed) second).failure().errorClass(), second::toString);
        assertTrue(((StepResult.Failed) second).failure().getMessage().contains("sha256"), second::toString);
        assertFalse(Files.exists(pool.versionDir(IMAGE, v1.version())), "nothing promoted from bad bytes");
        assertFalse(Files.exists(file), "the corrupt stream file is discarded");

        StepResult third = runner.run(order, StepObserver.NONE, new AbortSignal());
        assertInstanceOf(StepResult.Applied.class, third, third::toString);
        assertArrived(v1);
    }

    @Test
    void aStreamNoLongerStoredRefusesTheOffsetAndTheStepStartsFromZero() throws IOException {
        ImageVersion v1 = version1();
        relay.cutAfter(DISK_BYTES / 3);
        connect(Optional.empty());
        StepOrder order = full(v1, Compression.NONE);

        StepResult first = runner.run(order, StepObserver.NONE, new AbortSignal());
        assertEquals(ErrorClass.TRANSIENT, ((StepResult.Failed) first).failure().errorClass(), first::toString);
        assertTrue(Files.size(pool.streamFile(IMAGE, v1.version(), Optional.empty(), Compression.NONE)) > 0);
        // The master finishes producing the stream after the cut; once complete and unread it can go.
        await().atMost(Duration.ofSeconds(60)).until(() -> master.evictStreams(IMAGE, v1.version()) == 1);
        // The first attempt's stat may still reach the master after the eviction and produce the stream
        // anew; evict again until none has been held for a while, so the offset meets no stream.
        await().atMost(Duration.ofSeconds(60)).during(Duration.ofSeconds(2)).until(() -> {
            master.evictStreams(IMAGE, v1.version());
            return master.storedStreams(IMAGE, v1.version()) == 0;
        });

        StepResult second = runner.run(order, StepObserver.NONE, new AbortSignal());
        assertInstanceOf(StepResult.Applied.class, second, second::toString);
        assertArrived(v1);
        assertTrue(second.wireBytes() >= streamBytesOf(List.of(second)),
                "the whole stream came again: " + second.wireBytes());
    }

    @Test
    void aYoungStreamFileSurvivesARestartAndIsResumed() throws IOException {
        ImageVersion v1 = version1();
        relay.cutAfter(DISK_BYTES / 2);
        connect(Optional.empty());
        StepOrder order = full(v1, Compression.NONE);
        StepResult first = runner.run(order, StepObserver.NONE, new AbortSignal());
        assertInstanceOf(StepResult.Failed.class, first);
        Path file = pool.streamFile(IMAGE, v1.version(), Optional.empty(), Compression.NONE);
        long held = Files.size(file);

        // The replica restarts: the pool is opened again and staging cleaned as at start.
        runner.close();
        pool.close();
        pool = ReplicaPool.open("r1", replicaPool.mountPoint(), btrfs, new BtrfsFsCheck(btrfs));
        assertEquals(List.of(file), pool.cleanStaging(Duration.ofHours(1), Instant.now()));
        runner = new PullStepRunner("r1", pool, client, Duration.ofMillis(200), Clock.systemUTC(), Optional.empty());

        StepResult second = runner.run(order, StepObserver.NONE, new AbortSignal());
        assertInstanceOf(StepResult.Applied.class, second, second::toString);
        assertArrived(v1);
        long stream = streamBytesOf(List.of(second));
        assertEquals(stream - held, second.wireBytes(), "only the rest of the stream came after the restart");
    }

    @Test
    void anOldStreamFileIsDeletedAtStart() throws IOException {
        Path file = pool.streamFile(IMAGE, 1, Optional.empty(), Compression.LZ4);
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[1000]);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path other = file.resolveSibling("notes.txt");
        Files.writeString(other, "x");
        assertEquals(List.of(), pool.cleanStaging(Duration.ofHours(1), Instant.now()));
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(other));
    }

    @Test
    void theBandwidthCapHoldsThePullNearItsRate() throws IOException {
        ImageVersion v1 = version1();
        long cap = 8L << 20;
        connect(Optional.of(new Throttle(cap)));
        StepOrder order = full(v1, Compression.NONE);
        List<StepProgress> seen = new ArrayList<>();
        StepResult r = runner.run(order, seen::add, new AbortSignal());
        assertInstanceOf(StepResult.Applied.class, r, r::toString);
        assertArrived(v1);
        // Not a speed assertion: the cap is an upper bound the pull may never beat by more than a burst.
        double seconds = ((StepResult.Applied) r).timings().transfer().toNanos() / 1e9;
        long allowed = (long) (cap * seconds) + new Throttle(cap).burstBytes() + (1 << 20);
        assertTrue(r.wireBytes() <= allowed, r.wireBytes() + " bytes in " + seconds + " s at a cap of " + cap);
        System.out.printf("bandwidth cap %d B/s: achieved %.0f B/s over %d bytes%n", cap, r.wireBytes() / seconds,
                r.wireBytes());
    }

    /** The master's stat of a step, read through the same client. */
    private record StreamStatView(MasterClient client, StepOrder order) {
        long length() throws IOException {
            return client.stat(order.request().stat(), Duration.ofSeconds(30)).length();
        }
    }

}
