package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What the integration tests need from the machine, and what they must leave behind: nothing. */
final class ItEnvironment {
    private ItEnvironment() {
    }

    /** Fails (not skips) with what is missing: these tests are meant to run, as root, with btrfs-progs. */
    static void requireRootAndBtrfsProgs() {
        try {
            int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            assertEquals(0, uid, "integration tests need root (loop devices, mount); run as root or with -DskipITs");
        } catch (IOException e) {
            throw new IllegalStateException("cannot tell this process's uid from /proc/self", e);
        }
        for (String tool : List.of("btrfs", "mkfs.btrfs", "losetup", "mount", "umount")) {
            boolean found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
                    .map(dir -> Path.of(dir, tool))
                    .anyMatch(Files::isExecutable);
            assertTrue(found, tool + " not found on PATH: install btrfs-progs and util-linux");
        }
    }

    /**
     * Asserts that nothing under {@code dir} is mounted and that no loop device is backed by a file under
     * it (read from /sys, so devices whose file was already deleted count too).
     */
    static void assertNothingLeftUnder(Path dir) throws IOException {
        Path real = dir.toRealPath();
        List<String> mounts = MountTable.read(MountTable.PROC_SELF_MOUNTINFO).mounts().stream()
                .filter(m -> m.mountPoint().startsWith(real))
                .map(m -> m.mountPoint() + " (" + m.source() + ")")
                .toList();
        List<String> loops = new ArrayList<>();
        try (DirectoryStream<Path> blocks = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path block : blocks) {
                Path backing = block.resolve("loop/backing_file");
                if (Files.exists(backing)) {
                    String file = Files.readString(backing).strip();
                    if (file.startsWith(real.toString() + "/")) {
                        loops.add(block.getFileName() + " -> " + file);
                    }
                }
            }
        }
        assertEquals(List.of(), mounts, "mounts left under " + real);
        assertEquals(List.of(), loops, "loop devices left backed by files under " + real);
    }
}
