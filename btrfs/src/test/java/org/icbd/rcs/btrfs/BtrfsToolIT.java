package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.command.CommandFailedException;
import org.icbd.rcs.command.CommandRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Subvolume operations on a real loop-mounted pool. */
@Timeout(120)
class BtrfsToolIT {
    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private LoopPool pool;

    @BeforeAll
    static void environment() {
        ItEnvironment.requireRootAndBtrfsProgs();
    }

    @BeforeEach
    void pool() {
        pool = LoopPool.create(tmp.resolve("pool.img"), tmp.resolve("pool"));
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
    void createSnapshotShowListDelete() throws IOException {
        Path images = Files.createDirectories(pool.mountPoint().resolve("images/debian"));
        Path work = images.resolve("work");
        btrfs.createSubvolume(work);
        Files.writeString(work.resolve("motd"), "hello\n");

        SubvolumeInfo workInfo = btrfs.show(work);
        assertEquals(work, workInfo.path());
        assertEquals("work", workInfo.name());
        assertFalse(workInfo.readOnly());
        assertEquals(Optional.empty(), workInfo.parentUuid());
        assertEquals(Optional.empty(), workInfo.receivedUuid());
        assertFalse(btrfs.isReadOnly(work));

        Files.createDirectories(images.resolve("versions"));
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, images.resolve("versions/1"));
        assertTrue(v1.readOnly());
        assertTrue(btrfs.isReadOnly(v1.path()));
        assertEquals(Optional.of(workInfo.uuid()), v1.parentUuid());
        assertEquals("hello\n", Files.readString(v1.path().resolve("motd")));
        assertThrows(IOException.class, () -> Files.writeString(v1.path().resolve("motd"), "changed"));

        List<SubvolumeListEntry> listed = btrfs.list(pool.mountPoint());
        assertEquals(List.of("images/debian/work", "images/debian/versions/1"),
                listed.stream().map(SubvolumeListEntry::path).toList());
        assertEquals(v1.uuid(), listed.get(1).uuid());
        assertEquals(v1.id(), listed.get(1).id());
        assertEquals(Optional.of(workInfo.uuid()), listed.get(1).parentUuid());

        SubvolumeInfo topLevel = btrfs.show(pool.mountPoint());
        assertEquals(SubvolumeInfo.TOP_LEVEL_ID, topLevel.id());

        btrfs.deleteSubvolume(v1.path());
        assertFalse(Files.exists(v1.path()));
        btrfs.deleteSubvolume(work);
        assertEquals(List.of(), btrfs.list(pool.mountPoint()));
    }

    @Test
    void showAndListReadOnlyAgreeOnEverySnapshotAndItsCreationTime() throws IOException {
        Path image = Files.createDirectories(pool.mountPoint().resolve("images/debian"));
        Path work = image.resolve("work");
        btrfs.createSubvolume(work);
        Path versions = Files.createDirectories(image.resolve("versions"));
        // btrfs keeps whole seconds.
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<SubvolumeInfo> shown = new ArrayList<>();
        for (int v = 1; v <= 6; v++) {
            Files.writeString(work.resolve("motd"), "version " + v + "\n");
            shown.add(btrfs.snapshotReadOnly(work, versions.resolve(Integer.toString(v))));
        }
        Instant after = Instant.now();
        btrfs.createSubvolume(versions.resolve("read-write"));

        for (SubvolumeInfo v : shown) {
            Instant created = v.creationTime().orElseThrow(() -> new AssertionError("no creation time: " + v));
            assertTrue(!created.isBefore(before) && !created.isAfter(after),
                    created + " lies between " + before + " and " + after);
        }
        List<ReadOnlySubvolume> listed = btrfs.listReadOnly(versions);
        assertEquals(shown.size(), listed.size(), "the read-write subvolume and work are not listed: " + listed);
        for (int i = 0; i < shown.size(); i++) {
            SubvolumeInfo show = shown.get(i);
            SubvolumeListEntry entry = listed.get(i).listed();
            assertEquals("images/debian/versions/" + (i + 1), entry.path());
            assertEquals(show.id(), entry.id());
            assertEquals(show.uuid(), entry.uuid());
            assertEquals(show.parentUuid(), entry.parentUuid());
            assertEquals(show.receivedUuid(), entry.receivedUuid());
            assertEquals(show.generation(), entry.generation());
            assertEquals(show.creationTime(), listed.get(i).creationTime());
        }
    }

    @Test
    void aBtrfsErrorReachesTheCallerWithItsStderr() throws IOException {
        Path missing = pool.mountPoint().resolve("images/nope/work");
        Path dest = pool.mountPoint().resolve("v1");
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> btrfs.snapshotReadOnly(missing, dest));
        assertEquals(1, e.exitCode());
        assertTrue(e.getMessage().startsWith("`btrfs subvolume snapshot -r " + missing + " " + dest + "` exited 1: ERROR: "),
                e.getMessage());
        assertTrue(e.stderrTail().startsWith("ERROR: "), e.stderrTail());

        Path plain = Files.createDirectories(pool.mountPoint().resolve("plain"));
        CommandFailedException notSubvolume = assertThrows(CommandFailedException.class, () -> btrfs.show(plain));
        assertTrue(notSubvolume.stderrTail().contains("Not a Btrfs subvolume"), notSubvolume.stderrTail());

        btrfs.createSubvolume(pool.mountPoint().resolve("taken"));
        CommandFailedException exists = assertThrows(CommandFailedException.class,
                () -> btrfs.createSubvolume(pool.mountPoint().resolve("taken")));
        assertTrue(exists.getMessage().contains("exists"), exists.getMessage());
    }

    @Test
    void relativePathsAreResolvedBeforeReachingTheCommandLine() throws IOException {
        Path work = pool.mountPoint().resolve("a/../work");
        btrfs.createSubvolume(work);
        SubvolumeInfo info = btrfs.show(work);
        assertEquals(pool.mountPoint().resolve("work"), info.path());
    }
}
