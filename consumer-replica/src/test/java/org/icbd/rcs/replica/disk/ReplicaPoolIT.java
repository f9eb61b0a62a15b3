package org.icbd.rcs.replica.disk;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.btrfs.ReceivedSubvolume;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.testkit.Trees;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The replica's pool on a real loop-mounted btrfs, fed by real {@code btrfs send} streams. */
@Timeout(180)
class ReplicaPoolIT {

    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private final BtrfsFsCheck check = new BtrfsFsCheck(btrfs);
    private LoopPool source;
    private LoopPool target;
    private ReplicaPool pool;
    private Path work;

    @BeforeEach
    void pools() throws IOException {
        source = LoopPool.create(tmp.resolve("source.img"), tmp.resolve("source"));
        target = LoopPool.create(tmp.resolve("target.img"), tmp.resolve("target"));
        work = source.mountPoint().resolve("work");
        btrfs.createSubvolume(work);
        Files.createDirectories(source.mountPoint().resolve("versions"));
        pool = ReplicaPool.open("r1", target.mountPoint(), btrfs, check);
    }

    @AfterEach
    void cleanup() {
        try {
            if (pool != null) {
                pool.close();
            }
        } finally {
            try {
                if (target != null) {
                    target.close();
                }
            } finally {
                if (source != null) {
                    source.close();
                }
            }
        }
    }

    private SubvolumeInfo snapshot(int version) {
        return btrfs.snapshotReadOnly(work, source.mountPoint().resolve("versions/" + version));
    }

    private byte[] send(int version, Optional<Integer> parent) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        btrfs.sendTo(source.mountPoint().resolve("versions/" + version),
                parent.map(p -> source.mountPoint().resolve("versions/" + p)), out);
        return out.toByteArray();
    }

    @Test
    void fullThenDeltaArePromotedWithTheMastersUuids() throws IOException {
        Trees.writeRandom(work.resolve("disk.img"), 3 << 20, 1);
        SubvolumeInfo v1 = snapshot(1);
        Trees.writeRandom(work.resolve("etc/config"), 4096, 2);
        SubvolumeInfo v2 = snapshot(2);

        ReceivedSubvolume r1 = pool.receive("ubuntu", new ByteArrayInputStream(send(1, Optional.empty())));
        assertEquals(pool.stagingDir("ubuntu").resolve("1"), r1.path());
        assertEquals(Optional.of(v1.uuid()), r1.info().receivedUuid());
        HeldVersion h1 = pool.promote("ubuntu", 1, r1);
        assertEquals(new HeldVersion(1, v1.uuid().toString()), h1);
        assertFalse(Files.exists(r1.path()), "staging is emptied by promotion");

        ReceivedSubvolume r2 = pool.receive("ubuntu", new ByteArrayInputStream(send(2, Optional.of(1))));
        pool.promote("ubuntu", 2, r2);

        assertEquals(List.of(h1, new HeldVersion(2, v2.uuid().toString())), pool.held("ubuntu"));
        Trees.assertSameTree(source.mountPoint().resolve("versions/2"), pool.versionDir("ubuntu", 2));
        Trees.assertSameTree(source.mountPoint().resolve("versions/1"), pool.versionDir("ubuntu", 1));
        assertTrue(btrfs.show(pool.versionDir("ubuntu", 2)).readOnly());
    }

    @Test
    void anExistingVersionIsNeverOverwritten() throws IOException {
        Trees.writeRandom(work.resolve("a"), 1000, 3);
        snapshot(1);
        pool.promote("ubuntu", 1, pool.receive("ubuntu", new ByteArrayInputStream(send(1, Optional.empty()))));
        ReceivedSubvolume again = pool.receive("ubuntu", new ByteArrayInputStream(send(1, Optional.empty())));
        PoolException e = assertThrows(PoolException.class, () -> pool.promote("ubuntu", 1, again));
        assertTrue(e.getMessage().contains("never overwritten"), e.getMessage());
        // An empty directory in the way is refused too: btrfs would otherwise snapshot into it.
        Files.createDirectories(pool.versionDir("ubuntu", 5));
        assertThrows(PoolException.class, () -> pool.promote("ubuntu", 5, again));
        assertEquals(1, pool.held("ubuntu").size());
    }

    @Test
    void stagingLeftoversAreDeletedWhateverTheyAre() throws IOException {
        Trees.writeRandom(work.resolve("a"), 1000, 4);
        snapshot(1);
        // A complete, read-only received subvolume: still never promoted from staging after a restart.
        pool.receive("ubuntu", new ByteArrayInputStream(send(1, Optional.empty())));
        btrfs.createSubvolume(pool.stagingDir("ubuntu").resolve("half"));
        Files.writeString(Files.createDirectories(pool.root().resolve(".incoming/debian/x")).resolve("f"), "junk");
        pool.cleanStaging();
        try (var entries = Files.list(pool.root().resolve(ReplicaPool.INCOMING))) {
            assertEquals(List.of(), entries.toList());
        }
        assertEquals(List.of(), pool.held("ubuntu"));
    }

    @Test
    void theScanIgnoresWhatIsNotAReceivedReadOnlyVersion() throws IOException {
        Trees.writeRandom(work.resolve("a"), 1000, 5);
        SubvolumeInfo v1 = snapshot(1);
        pool.promote("ubuntu", 1, pool.receive("ubuntu", new ByteArrayInputStream(send(1, Optional.empty()))));
        Files.createDirectories(pool.versionDir("ubuntu", 7));                       // a plain directory
        btrfs.createSubvolume(pool.versionDir("ubuntu", 8));                         // read-write
        btrfs.snapshotReadOnly(pool.versionDir("ubuntu", 8), pool.versionDir("ubuntu", 9)); // no received uuid
        Files.createDirectories(pool.versionsDir("ubuntu").resolve("latest"));       // not a number
        Files.writeString(pool.versionsDir("ubuntu").resolve("010"), "x");          // not canonical
        assertEquals(List.of(new HeldVersion(1, v1.uuid().toString())), pool.held("ubuntu"));
        assertEquals(List.of(), pool.held("unknown-image"));
    }

    @Test
    void onlyOneReplicaServiceUsesAPool() {
        PoolException e = assertThrows(PoolException.class, () -> ReplicaPool.open("r2", target.mountPoint(), btrfs, check));
        assertTrue(e.getMessage().contains("in use"), e.getMessage());
        assertThrows(PoolException.class, () -> ReplicaPool.open("r2", tmp, btrfs, check), "not on btrfs");
    }

    // ---- current: the one stable path the boot layer follows -------------------------------------

    private Optional<Path> currentTarget(String image) throws IOException {
        Path link = pool.currentLink(image);
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        assertTrue(Files.isSymbolicLink(link), link + " is a symlink");
        return Optional.of(Files.readSymbolicLink(link));
    }

    private void assertCurrent(String image, int version) throws IOException {
        assertEquals(Optional.of(Path.of("versions", Integer.toString(version))), currentTarget(image),
                "current is the relative link versions/" + version);
        assertEquals(pool.versionDir(image, version).toRealPath(), pool.currentLink(image).toRealPath());
    }

    private void receiveAndPromote(int version, Optional<Integer> parent) throws IOException {
        pool.promote("ubuntu", version, pool.receive("ubuntu", new ByteArrayInputStream(send(version, parent))));
    }

    @Test
    void currentFollowsTheNewestVersionThroughPromotionsOutOfOrderAndDeletions() throws IOException {
        for (int v = 1; v <= 3; v++) {
            Files.writeString(work.resolve("stamp"), "v" + v);
            snapshot(v);
        }
        assertEquals(Optional.empty(), currentTarget("ubuntu"), "no current before anything is held");

        receiveAndPromote(1, Optional.empty());
        assertCurrent("ubuntu", 1);
        receiveAndPromote(3, Optional.of(1));
        assertCurrent("ubuntu", 3);
        receiveAndPromote(2, Optional.of(1));
        assertCurrent("ubuntu", 3);     // an older version promoted late does not take current back
        assertEquals(List.of(1, 2, 3), pool.held("ubuntu").stream().map(HeldVersion::version).toList(),
                "current is not a version");
        try (Stream<Path> entries = Files.list(pool.versionsDir("ubuntu").getParent())) {
            assertEquals(Set.of(ReplicaPool.CURRENT, ReplicaPool.VERSIONS),
                    entries.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                    "no temporary link is left beside current");
        }
        assertEquals("v3", Files.readString(pool.currentLink("ubuntu").resolve("stamp")));

        pool.deleteVersion("ubuntu", 1);    // what retention does: never the newest
        assertCurrent("ubuntu", 3);
        pool.deleteVersion("ubuntu", 3);
        assertCurrent("ubuntu", 2);
        pool.deleteVersion("ubuntu", 2);
        assertEquals(Optional.empty(), currentTarget("ubuntu"), "nothing held: no current");
    }

    @Test
    void atStartADanglingOrStaleCurrentIsRepairedAndLeftoverLinksDeleted() throws IOException {
        Trees.writeRandom(work.resolve("a"), 1000, 6);
        snapshot(1);
        Trees.writeRandom(work.resolve("a"), 1000, 7);
        snapshot(2);
        receiveAndPromote(1, Optional.empty());
        receiveAndPromote(2, Optional.of(1));
        assertCurrent("ubuntu", 2);
        // Behind the service's back (a crash between deleting and relinking, or an operator): dangling.
        btrfs.deleteSubvolume(pool.versionDir("ubuntu", 2));
        Path leftover = pool.currentLink("ubuntu").resolveSibling("current.tmp-0badc0de");
        Files.createSymbolicLink(leftover, Path.of("versions/2"));
        // An image with nothing held but a link pointing at a version long gone.
        Path debian = pool.currentLink("debian");
        Files.createDirectories(debian.getParent().resolve(ReplicaPool.VERSIONS));
        Files.createSymbolicLink(debian, Path.of("versions/9"));

        pool.close();
        pool = ReplicaPool.open("r1", target.mountPoint(), btrfs, check);
        pool.updateCurrentLinks();

        assertCurrent("ubuntu", 1);
        assertFalse(Files.exists(leftover, LinkOption.NOFOLLOW_LINKS), "the half-made link is deleted");
        assertFalse(Files.exists(debian, LinkOption.NOFOLLOW_LINKS), "nothing held: no current");
        pool.updateCurrentLinks();
        assertCurrent("ubuntu", 1);
    }

    @Test
    void aReaderFollowingCurrentAlwaysLandsOnACompleteReadOnlyVersion() throws Exception {
        int versions = 6;
        Map<Integer, byte[]> data = new HashMap<>();
        for (int v = 1; v <= versions; v++) {
            Trees.writeRandom(work.resolve("disk.img"), 512 << 10, 100 + v);
            Files.writeString(work.resolve("stamp"), Integer.toString(v));
            data.put(v, Files.readAllBytes(work.resolve("disk.img")));
            snapshot(v);
        }
        receiveAndPromote(1, Optional.empty());

        Path versionsReal = pool.versionsDir("ubuntu").toRealPath();
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            try {
                while (!done.get()) {
                    Path real = pool.currentLink("ubuntu").toRealPath();
                    assertEquals(versionsReal, real.getParent(), "current resolves into versions/, never staging");
                    int v = Integer.parseInt(real.getFileName().toString());
                    assertEquals(Integer.toString(v), Files.readString(real.resolve("stamp"), StandardCharsets.UTF_8));
                    assertArrayEquals(data.get(v), Files.readAllBytes(real.resolve("disk.img")), "version " + v);
                    seen.add(v);
                    reads.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "current-reader");
        reader.start();
        try {
            for (int v = 2; v <= versions; v++) {
                int before = reads.get();
                // The reader reads while the next version is received into staging and promoted.
                await("the reader reads before version " + v).atMost(java.time.Duration.ofSeconds(30))
                        .until(() -> reads.get() > before || failure.get() != null);
                receiveAndPromote(v, Optional.of(v - 1));
                assertCurrent("ubuntu", v);
            }
            int last = reads.get();
            await("the reader reads the last version").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> reads.get() > last || failure.get() != null);
        } finally {
            done.set(true);
            reader.join(30_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("the reader saw an incomplete current", failure.get());
        }
        assertFalse(reader.isAlive());
        assertTrue(seen.contains(1) && seen.contains(versions), "seen " + new TreeSet<>(seen));
        for (int v : new TreeSet<>(seen)) {
            assertTrue(btrfs.show(pool.versionDir("ubuntu", v)).readOnly(), "version " + v + " is read-only");
        }
    }
}
