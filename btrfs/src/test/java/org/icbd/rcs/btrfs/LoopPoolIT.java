package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.icbd.rcs.command.CommandRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Creating and destroying loop-mounted pools, including after a simulated crash. */
@Timeout(120)
class LoopPoolIT {
    private static final CommandRunner RUNNER = new CommandRunner();
    private static final java.time.Duration TIMEOUT = java.time.Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final BtrfsFsCheck check = new BtrfsFsCheck(new BtrfsTool(RUNNER));

    @BeforeAll
    static void environment() {
        ItEnvironment.requireRootAndBtrfsProgs();
    }

    @AfterEach
    void nothingLeft() throws IOException {
        // Whatever a test did, a static destroy with its paths must leave nothing behind.
        LoopPool.destroy(tmp.resolve("pool.img"), tmp.resolve("pool"));
        ItEnvironment.assertNothingLeftUnder(tmp);
    }

    @Test
    void createMountsASparseBtrfsAndCloseRemovesItIdempotently() throws IOException {
        Path file = tmp.resolve("pool.img");
        LoopPool pool = LoopPool.create(file, tmp.resolve("pool"));
        try {
            assertEquals(tmp.resolve("pool").toRealPath(), pool.mountPoint());
            assertEquals(file.toRealPath(), pool.backingFile());
            assertTrue(check.isBtrfs(pool.mountPoint()));
            assertEquals(LoopPool.DEFAULT_SIZE_BYTES, Files.size(file));
            long allocatedBlocks = Long.parseLong(RUNNER.run(List.of("stat", "-c", "%b", file.toString()), TIMEOUT)
                    .stdout().strip());
            assertTrue(allocatedBlocks * 512 < LoopPool.DEFAULT_SIZE_BYTES / 2, "sparse: " + allocatedBlocks + " blocks");
            Files.writeString(pool.mountPoint().resolve("hello"), "world");
        } finally {
            pool.close();
        }
        assertFalse(Files.exists(file));
        assertFalse(check.isBtrfs(tmp.resolve("pool")));
        ItEnvironment.assertNothingLeftUnder(tmp);
        pool.close();
        pool.destroy();
        assertTrue(Files.isDirectory(tmp.resolve("pool")), "the empty mount point directory stays");
    }

    @Test
    void destroyAfterACrashRemovesAMountedPool() throws IOException {
        LoopPool crashed = LoopPool.create(tmp.resolve("pool.img"), tmp.resolve("pool"), 200L * 1024 * 1024);
        Files.writeString(crashed.mountPoint().resolve("data"), "left behind");
        // The owner is gone; only the two paths are known.
        LoopPool.destroy(tmp.resolve("pool.img"), tmp.resolve("pool"));
        assertFalse(Files.exists(tmp.resolve("pool.img")));
        assertFalse(check.isBtrfs(tmp.resolve("pool")));
        ItEnvironment.assertNothingLeftUnder(tmp);
        crashed.close();
    }

    @Test
    void destroyAfterACrashDetachesALoopDeviceLeftWithoutAMount() throws IOException {
        Path file = tmp.resolve("pool.img");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(LoopPool.MIN_SIZE_BYTES);
        }
        String device = RUNNER.run(List.of("losetup", "--find", "--show", file.toString()), TIMEOUT).stdout().strip();
        assertTrue(device.startsWith("/dev/loop"), device);
        LoopPool.destroy(file, tmp.resolve("pool"));
        assertFalse(Files.exists(file));
        ItEnvironment.assertNothingLeftUnder(tmp);
    }

    @Test
    void destroyWithNothingLeftDoesNothing() {
        LoopPool.destroy(tmp.resolve("pool.img"), tmp.resolve("pool"));
        LoopPool.destroy(tmp.resolve("never/was.img"), tmp.resolve("never/mounted"));
    }

    @Test
    void destroyLeavesAForeignMountAlone() throws IOException {
        Path mountPoint = Files.createDirectories(tmp.resolve("pool"));
        RUNNER.run(List.of("mount", "-t", "tmpfs", "icbd-test-tmpfs", mountPoint.toString()), TIMEOUT);
        try {
            Files.writeString(tmp.resolve("pool.img"), "not a pool of this mount");
            LoopPool.destroy(tmp.resolve("pool.img"), mountPoint);
            assertTrue(MountTable.read(MountTable.PROC_SELF_MOUNTINFO).mountAt(mountPoint.toRealPath()).isPresent(),
                    "the tmpfs is still mounted");
            assertFalse(Files.exists(tmp.resolve("pool.img")));
        } finally {
            RUNNER.run(List.of("umount", mountPoint.toString()), TIMEOUT);
        }
    }

    @Test
    void createRefusesToClobberAFileOrMountOverData() throws IOException {
        Path file = Files.writeString(tmp.resolve("pool.img"), "precious");
        assertThrows(BtrfsException.class, () -> LoopPool.create(file, tmp.resolve("pool")));
        assertEquals("precious", Files.readString(file));
        Files.delete(file);

        Path busy = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(busy.resolve("data"), "x");
        assertThrows(BtrfsException.class, () -> LoopPool.create(tmp.resolve("pool.img"), busy));
        assertFalse(Files.exists(tmp.resolve("pool.img")));

        assertThrows(IllegalArgumentException.class,
                () -> LoopPool.create(tmp.resolve("pool.img"), tmp.resolve("pool"), 64L * 1024 * 1024));
    }

    @Test
    void twoPoolsAtOnce() {
        try (LoopPool a = LoopPool.create(tmp.resolve("a.img"), tmp.resolve("a"));
                LoopPool b = LoopPool.create(tmp.resolve("b.img"), tmp.resolve("b"))) {
            assertTrue(check.isBtrfs(a.mountPoint()));
            assertTrue(check.isBtrfs(b.mountPoint()));
        }
    }
}
