package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.icbd.rcs.command.CommandRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Path checks against a real loop-mounted pool and the (non-btrfs) temporary directory it lives in. */
@Timeout(120)
class BtrfsFsCheckIT {
    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private final BtrfsFsCheck check = new BtrfsFsCheck(btrfs);
    private LoopPool pool;

    @BeforeAll
    static void environment() {
        ItEnvironment.requireRootAndBtrfsProgs();
    }

    @BeforeEach
    void pool() {
        pool = LoopPool.create(tmp.resolve("pool.img"), tmp.resolve("pool with space"));
    }

    @AfterEach
    void cleanup() throws IOException {
        try {
            if (pool != null) {
                pool.close();
            }
        } finally {
            ItEnvironment.assertNothingLeftUnder(tmp);
        }
    }

    @Test
    void isBtrfsFollowsTheMountTable() throws IOException {
        Path inside = Files.createDirectories(pool.mountPoint().resolve("images/ubuntu"));
        assertTrue(check.isBtrfs(pool.mountPoint()), "mount point with a space (\\040 in mountinfo)");
        assertTrue(check.isBtrfs(inside));
        assertFalse(check.isBtrfs(tmp), tmp + " is not on btrfs here");
        assertFalse(check.isBtrfs(pool.mountPoint().resolve("missing")));
        Path link = Files.createSymbolicLink(tmp.resolve("link-into-pool"), inside);
        assertTrue(check.isBtrfs(link), "a link is judged by where it leads");
    }

    @Test
    void isSubvolumeAndIsReadOnly() throws IOException {
        Path work = pool.mountPoint().resolve("work");
        btrfs.createSubvolume(work);
        Path plain = Files.createDirectories(pool.mountPoint().resolve("plain"));
        Path file = Files.writeString(work.resolve("file"), "x");
        SubvolumeInfo snapshot = btrfs.snapshotReadOnly(work, pool.mountPoint().resolve("snap"));

        assertTrue(check.isSubvolume(work));
        assertTrue(check.isSubvolume(snapshot.path()));
        assertTrue(check.isSubvolume(pool.mountPoint()), "the top level is a subvolume too");
        assertFalse(check.isSubvolume(plain));
        assertFalse(check.isSubvolume(file));
        assertFalse(check.isSubvolume(pool.mountPoint().resolve("missing")));
        assertFalse(check.isSubvolume(tmp));

        assertTrue(check.isReadOnly(snapshot.path()));
        assertFalse(check.isReadOnly(work));
    }

    @Test
    void listSnapshotsReturnsOnlyReadOnlySubvolumesSortedByName() throws IOException {
        Path work = pool.mountPoint().resolve("work");
        btrfs.createSubvolume(work);
        Path versions = Files.createDirectories(pool.mountPoint().resolve("versions"));
        for (String name : List.of("2", "10", "1")) {
            btrfs.snapshotReadOnly(work, versions.resolve(name));
        }
        btrfs.createSubvolume(versions.resolve("read-write"));
        Files.createDirectories(versions.resolve("plain-dir"));
        Files.writeString(versions.resolve("file"), "x");
        // A nested subvolume shows up inside a snapshot as an empty directory, not as a subvolume.
        btrfs.createSubvolume(work.resolve("nested"));
        btrfs.snapshotReadOnly(work, versions.resolve("3"));

        List<SubvolumeInfo> snapshots = check.listSnapshots(versions);
        assertEquals(List.of("1", "10", "2", "3"), snapshots.stream().map(SubvolumeInfo::name).toList());
        assertTrue(snapshots.stream().allMatch(SubvolumeInfo::readOnly));
        assertEquals(List.of(), check.listSnapshots(versions.resolve("3")));

        // Listed in a constant number of commands, the snapshots are what show says of each.
        for (SubvolumeInfo s : snapshots) {
            assertEquals(btrfs.show(s.path()), s);
            assertTrue(s.creationTime().isPresent(), s::toString);
        }

        assertThrows(BtrfsException.class, () -> check.listSnapshots(tmp));
        assertThrows(BtrfsException.class, () -> check.listSnapshots(versions.resolve("missing")));
    }

    @Test
    void aReadOnlySubvolumeThatIsNoSnapshotGetsItsCreationTimeFromShow() throws IOException {
        Path work = pool.mountPoint().resolve("work");
        btrfs.createSubvolume(work);
        Files.writeString(work.resolve("motd"), "hello\n");
        SubvolumeInfo sent = btrfs.snapshotReadOnly(work, pool.mountPoint().resolve("1"));
        Path received = Files.createDirectories(pool.mountPoint().resolve("received"));
        try (PipedInputStream in = new PipedInputStream(1 << 20);
             PipedOutputStream out = new PipedOutputStream(in)) {
            CompletableFuture<Long> sending = CompletableFuture.supplyAsync(() -> {
                try (out) {
                    return btrfs.sendTo(sent.path(), Optional.empty(), out);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            btrfs.receive(received, in);
            sending.join();
        }

        List<SubvolumeInfo> listed = check.listSnapshots(received);
        assertEquals(1, listed.size());
        assertEquals(btrfs.show(received.resolve("1")), listed.get(0));
        assertEquals(Optional.of(sent.uuid()), listed.get(0).receivedUuid());
        assertTrue(listed.get(0).creationTime().isPresent());
    }

    @Test
    void snapshotsAreFoundUnderAPoolMountedAsASubvolumeBelowTheTopLevel() throws IOException {
        Path subvolume = pool.mountPoint().resolve("@pool");
        btrfs.createSubvolume(subvolume);
        Path work = Files.createDirectories(subvolume.resolve("images/x")).resolve("work");
        btrfs.createSubvolume(work);
        Path versions = Files.createDirectories(subvolume.resolve("images/x/versions"));
        btrfs.snapshotReadOnly(work, versions.resolve("1"));
        btrfs.snapshotReadOnly(work, versions.resolve("2"));
        // Same names elsewhere on the filesystem must not be taken for them.
        Path decoy = Files.createDirectories(pool.mountPoint().resolve("images/x/versions"));
        btrfs.snapshotReadOnly(work, decoy.resolve("1"));

        String device = MountTable.read(MountTable.PROC_SELF_MOUNTINFO).mountAt(pool.mountPoint().toRealPath())
                .orElseThrow().source();
        Path second = Files.createDirectories(tmp.resolve("second"));
        CommandRunner runner = new CommandRunner();
        runner.run(List.of("mount", "-o", "subvol=@pool", device, second.toString()), Duration.ofSeconds(30));
        try {
            List<SubvolumeInfo> listed = check.listSnapshots(second.resolve("images/x/versions"));
            assertEquals(List.of("1", "2"), listed.stream().map(SubvolumeInfo::name).toList());
            for (SubvolumeInfo s : listed) {
                assertEquals(btrfs.show(s.path()), s);
                assertEquals(btrfs.show(versions.resolve(s.name())).uuid(), s.uuid());
            }
        } finally {
            runner.run(List.of("umount", second.toString()), Duration.ofSeconds(30));
        }
    }
}
