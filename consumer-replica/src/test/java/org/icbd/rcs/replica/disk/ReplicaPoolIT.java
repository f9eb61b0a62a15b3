package org.icbd.rcs.replica.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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
}
