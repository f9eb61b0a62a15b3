package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

        assertThrows(BtrfsException.class, () -> check.listSnapshots(tmp));
        assertThrows(BtrfsException.class, () -> check.listSnapshots(versions.resolve("missing")));
    }
}
