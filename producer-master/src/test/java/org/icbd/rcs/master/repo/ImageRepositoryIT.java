package org.icbd.rcs.master.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.testkit.TestPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The repository's reading of the disk, including what does not belong there. One image per test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageRepositoryIT {

    private TestPool pool;
    private ImageRepository repository;
    private BtrfsTool btrfs;

    @BeforeAll
    void setUp() {
        pool = TestPool.create("repo");
        CommandRunner runner = new CommandRunner();
        repository = new ImageRepository(pool.root(), runner);
        btrfs = new BtrfsTool(runner);
    }

    @AfterAll
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void onlyReadOnlyNumberedSnapshotsAreVersionsAndTheirParentIsThePreviousOneOnDisk() throws Exception {
        Path work = repository.init("mixed");
        Path versions = repository.imageDir("mixed").resolve("versions");
        repository.snapshotNext("mixed");
        repository.snapshotNext("mixed");
        repository.snapshotNext("mixed");
        btrfs.deleteSubvolume(versions.resolve("2")); // a gap: 3's parent becomes 1
        btrfs.createSubvolume(versions.resolve("4")); // read-write: not a version, never sent
        Files.createDirectories(versions.resolve("tmp"));
        btrfs.snapshotReadOnly(work, versions.resolve("007")); // not a canonical number

        List<ImageVersion> listed = repository.versions("mixed");
        assertEquals(List.of(1, 3), listed.stream().map(ImageVersion::version).toList());
        assertEquals(Optional.empty(), listed.get(0).parentVersion());
        assertEquals(Optional.of(1), listed.get(1).parentVersion());
        assertEquals(Optional.of(listed.get(0).uuid()), listed.get(1).parentUuid());
        assertEquals(btrfs.show(versions.resolve("3")).uuid().toString(), listed.get(1).uuid());

        RepositoryException e = assertThrows(RepositoryException.class, () -> repository.resolveForSend("mixed", 4));
        assertEquals(RepositoryException.Reason.NO_SUCH_VERSION, e.reason());
        assertTrue(e.getMessage().contains("is not a read-only snapshot"), e.getMessage());
        assertEquals(versions.resolve("3").toRealPath(), repository.resolveForSend("mixed", 3));
        assertThrows(RepositoryException.class, () -> repository.resolveForSend("mixed", 2));

        // Numbers are never reused: the next one follows the highest entry, whatever it is.
        assertEquals(5, repository.snapshotNext("mixed").version());
    }

    @Test
    void versionsCarryBtrfssCreationTimeAndMatchWhatShowSaysOfEach() {
        Path versions = repository.imageDir("timed").resolve("versions");
        repository.init("timed");
        // btrfs keeps whole seconds.
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 5; i++) {
            repository.snapshotNext("timed");
        }
        Instant after = Instant.now();

        List<ImageVersion> listed = repository.versions("timed");
        assertEquals(List.of(1, 2, 3, 4, 5), listed.stream().map(ImageVersion::version).toList());
        for (ImageVersion v : listed) {
            var shown = btrfs.show(versions.resolve(Integer.toString(v.version())));
            assertEquals(shown.uuid().toString(), v.uuid());
            assertEquals(shown.creationTime(), Optional.of(v.createdAt()));
            assertTrue(!v.createdAt().isBefore(before) && !v.createdAt().isAfter(after),
                    v.createdAt() + " lies between " + before + " and " + after);
        }
        for (int i = 1; i < listed.size(); i++) {
            assertEquals(Optional.of(listed.get(i - 1).uuid()), listed.get(i).parentUuid());
        }
        assertEquals(listed, repository.versions("timed"), "the same answer when asked again");
    }

    @Test
    void imagesAreListedByNameAndInitIsRefusedTwice() {
        repository.init("b-image");
        repository.init("a-image");
        assertTrue(repository.images().containsAll(List.of("a-image", "b-image")));
        assertEquals(repository.images().stream().sorted().toList(), repository.images());
        RepositoryException e = assertThrows(RepositoryException.class, () -> repository.init("a-image"));
        assertEquals(RepositoryException.Reason.ALREADY_EXISTS, e.reason());
        assertEquals(List.of(), repository.versions("a-image"));
        assertEquals(Optional.empty(), repository.latest("a-image"));
    }

    @Test
    void namesAreCheckedBeforeTheDiskIsTouched() {
        for (String bad : List.of("..", "../x", "a/b", "", "UPPER", ".hidden")) {
            RepositoryException e = assertThrows(RepositoryException.class, () -> repository.resolveForSend(bad, 1),
                    bad);
            assertEquals(RepositoryException.Reason.INVALID_NAME, e.reason(), bad);
        }
    }
}
