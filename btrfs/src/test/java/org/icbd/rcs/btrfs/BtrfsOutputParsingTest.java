package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Parsing of real btrfs-progs 6.2 output, captured on loop-mounted pools (see src/test/resources). */
class BtrfsOutputParsingTest {

    @Test
    void readWriteSubvolumeWithASnapshotList() {
        SubvolumeInfo info = BtrfsTool.parseShow(Path.of("/pool/work"), sample("subvolume-show-read-write.txt"));
        // Generation 8, not "Gen at creation: 7".
        assertEquals(new SubvolumeInfo(Path.of("/pool/work"), "work", 256,
                UUID.fromString("337aad22-490c-094e-94ad-caf60add1b2b"), Optional.empty(), Optional.empty(),
                false, 8, Optional.of(Instant.parse("2026-11-22T00:45:38Z"))), info);
    }

    @Test
    void localReadOnlySnapshotHasAParentAndNoReceivedUuid() {
        SubvolumeInfo info = BtrfsTool.parseShow(Path.of("/pool/v1"), sample("subvolume-show-local-snapshot.txt"));
        assertEquals("v1", info.name());
        assertEquals(257, info.id());
        assertEquals(UUID.fromString("cf8e62cb-0b64-5c47-b841-2537ce546455"), info.uuid());
        assertEquals(Optional.of(UUID.fromString("337aad22-490c-094e-94ad-caf60add1b2b")), info.parentUuid());
        assertEquals(Optional.empty(), info.receivedUuid());
        assertTrue(info.readOnly());
        assertEquals(7, info.generation());
    }

    @Test
    void receivedSnapshotCarriesTheSentSnapshotsUuid() {
        SubvolumeInfo info = BtrfsTool.parseShow(Path.of("/replica/v1"), sample("subvolume-show-received.txt"));
        assertEquals(UUID.fromString("c2bd3c01-c6dd-8f41-bb94-2ce7eae286b1"), info.uuid());
        assertEquals(Optional.empty(), info.parentUuid());
        // The received UUID is the uuid of the snapshot on the sending side (local-snapshot sample).
        assertEquals(Optional.of(UUID.fromString("cf8e62cb-0b64-5c47-b841-2537ce546455")), info.receivedUuid());
        assertTrue(info.readOnly());
    }

    @Test
    void readOnlySnapshotOfAReceivedSubvolumeKeepsItsReceivedUuid() {
        SubvolumeInfo info = BtrfsTool.parseShow(Path.of("/replica/vers/v2"),
                sample("subvolume-show-snapshot-of-received.txt"));
        assertEquals(Optional.of(UUID.fromString("7eed8222-587a-1c48-bbc4-8e4c914d8e4a")), info.parentUuid());
        assertEquals(Optional.of(UUID.fromString("85b39d2a-742f-0c46-adb0-001ed21b15b2")), info.receivedUuid());
        assertEquals(263, info.id());
        assertEquals(21, info.generation());
    }

    @Test
    void topLevelSubvolume() {
        SubvolumeInfo info = BtrfsTool.parseShow(Path.of("/pool"), sample("subvolume-show-top-level.txt"));
        assertEquals("<FS_TREE>", info.name());
        assertEquals(SubvolumeInfo.TOP_LEVEL_ID, info.id());
        assertFalse(info.readOnly());
    }

    @Test
    void snapshotNamesWithColonsAreNotTakenForFields() {
        String output = """
                work
                \tName: \t\t\twork
                \tUUID: \t\t\t337aad22-490c-094e-94ad-caf60add1b2b
                \tParent UUID: \t\t-
                \tReceived UUID: \t\t-
                \tSubvolume ID: \t\t256
                \tGeneration: \t\t7
                \tFlags: \t\t\t-
                \tSnapshot(s):
                \t\t\t\tFlags: readonly
                \t\t\t\tUUID: not-a-uuid
                """;
        SubvolumeInfo info = BtrfsTool.parseShow(Path.of("/p/work"), output);
        assertFalse(info.readOnly());
    }

    @Test
    void missingFieldsFailWithTheCommandAndTheOutput() {
        BtrfsException e = assertThrows(BtrfsException.class,
                () -> BtrfsTool.parseShow(Path.of("/p/x"), "x\n\tName: \t\tx\n"));
        assertTrue(e.getMessage().startsWith("unexpected output from `btrfs subvolume show /p/x`: no '"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Name:"), e.getMessage());
    }

    @Test
    void malformedUuidFails() {
        String output = sample("subvolume-show-received.txt").replace("cf8e62cb-0b64", "zz");
        assertThrows(BtrfsException.class, () -> BtrfsTool.parseShow(Path.of("/p/v1"), output));
    }

    @Test
    void listWithUuidsAndPathsRelativeToTheTopLevel() {
        List<SubvolumeListEntry> entries = BtrfsTool.parseList(sample("subvolume-list-uqR.txt"));
        assertEquals(3, entries.size());
        assertEquals(new SubvolumeListEntry(256, 18, 5, UUID.fromString("c2bd3c01-c6dd-8f41-bb94-2ce7eae286b1"),
                Optional.empty(), Optional.of(UUID.fromString("cf8e62cb-0b64-5c47-b841-2537ce546455")), "v1"),
                entries.get(0));
        assertEquals("stage/v2", entries.get(1).path());
        assertEquals(Optional.of(UUID.fromString("c2bd3c01-c6dd-8f41-bb94-2ce7eae286b1")), entries.get(1).parentUuid());
        assertEquals(263, entries.get(2).id());
        assertEquals("vers/v2", entries.get(2).path());
    }

    @Test
    void creationTimesComeFromShowWithTheirOffset() {
        assertEquals(Optional.of(Instant.parse("2026-11-22T00:47:20Z")), BtrfsTool.parseShow(Path.of("/r/vers/v2"),
                sample("subvolume-show-snapshot-of-received.txt")).creationTime());
        String elsewhere = sample("subvolume-show-local-snapshot.txt")
                .replace("Creation time: \t\t2026-11-22 00:45:38 +0000", "Creation time: \t\t2026-11-22 01:45:38 +0100");
        assertEquals(Optional.of(Instant.parse("2026-11-22T00:45:38Z")),
                BtrfsTool.parseShow(Path.of("/pool/v1"), elsewhere).creationTime());
        String none = sample("subvolume-show-local-snapshot.txt")
                .replace("Creation time: \t\t2026-11-22 00:45:38 +0000", "Creation time: \t\t-");
        assertEquals(Optional.empty(), BtrfsTool.parseShow(Path.of("/pool/v1"), none).creationTime());
        String garbled = sample("subvolume-show-local-snapshot.txt").replace("00:45:38 +0000", "yesterday");
        BtrfsException e = assertThrows(BtrfsException.class, () -> BtrfsTool.parseShow(Path.of("/pool/v1"), garbled));
        assertTrue(e.getMessage().contains("Creation time"), e.getMessage());
    }

    @Test
    void readOnlyListingOfASubvolumeMountedBelowTheTopLevel() {
        // Captured on a pool mounted with subvol=pool2: 1 and 2 are snapshots of work, 7 a snapshot of
        // a received subvolume in recv/, 3 a full receive (no snapshot: no creation time in list -s).
        List<SubvolumeListEntry> entries = BtrfsTool.parseList(sample("subvolume-list-o-r-uqR.txt"));
        assertEquals(List.of("pool2/images/x/versions/1", "pool2/images/x/versions/2", "pool2/images/x/recv/1",
                "pool2/images/x/versions/7", "pool2/images/x/versions/3"),
                entries.stream().map(SubvolumeListEntry::path).toList());
        assertEquals(new SubvolumeListEntry(271, 19, 264, UUID.fromString("dd154be7-a7e9-a149-8b5e-244544f84bf4"),
                Optional.empty(), Optional.of(UUID.fromString("1cf68c0e-5011-674b-8277-adfecdd1f166")),
                "pool2/images/x/versions/3"), entries.get(4));

        Map<Long, Optional<Instant>> times = BtrfsTool.parseCreationTimes(sample("subvolume-list-o-r-s.txt"));
        assertEquals(Map.of(266L, Optional.of(Instant.parse("2026-12-01T22:27:04Z")),
                267L, Optional.of(Instant.parse("2026-12-01T22:28:04Z")),
                270L, Optional.of(Instant.parse("2026-12-01T22:28:04Z"))), times);
        assertEquals(Map.of(300L, Optional.empty()), BtrfsTool.parseCreationTimes(
                "ID 300 gen 9 cgen 9 top level 5 otime - path images/my image/versions/1\n"));
        assertThrows(BtrfsException.class, () -> BtrfsTool.parseCreationTimes(
                "ID 300 gen 9 top level 5 path images/u/versions/1\n"));
    }

    @Test
    void listPathsMayContainSpaces() {
        String line = "ID 300 gen 9 top level 5 parent_uuid -                                    "
                + "received_uuid -                                    "
                + "uuid 7eed8222-587a-1c48-bbc4-8e4c914d8e4a path images/my image/versions/1\n";
        assertEquals("images/my image/versions/1", BtrfsTool.parseList(line).get(0).path());
        assertEquals(List.of(), BtrfsTool.parseList(""));
        assertThrows(BtrfsException.class, () -> BtrfsTool.parseList("ID 300 gen 9 path x\n"));
    }

    @Test
    void receivedNameComesFromTheLastAtLine() {
        assertEquals(Optional.of("v1"), BtrfsTool.lastReceivedName("At subvol v1"));
        assertEquals(Optional.of("7"), BtrfsTool.lastReceivedName("At snapshot 7\nERROR: short read from stream"));
        assertEquals(Optional.of("my snap"), BtrfsTool.lastReceivedName("noise\nAt snapshot my snap\n"));
        assertEquals(Optional.empty(), BtrfsTool.lastReceivedName("ERROR: empty stream is not considered valid"));
        assertEquals(Optional.empty(), BtrfsTool.lastReceivedName("At subvol ../escape"));
        assertEquals(Optional.empty(), BtrfsTool.lastReceivedName("At subvol .."));
        assertEquals(Optional.empty(), BtrfsTool.lastReceivedName(""));
    }

    @Test
    void recordsRejectBadValuesNamingTheField() {
        UUID uuid = UUID.randomUUID();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SubvolumeInfo(
                Path.of("/p"), "p", 4, uuid, Optional.empty(), Optional.empty(), true, 1, Optional.empty()));
        assertTrue(e.getMessage().startsWith("id must be"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SubvolumeInfo(
                Path.of("/p"), " ", 256, uuid, Optional.empty(), Optional.empty(), true, 1, Optional.empty()));
        assertThrows(NullPointerException.class, () -> new SubvolumeInfo(
                Path.of("/p"), "p", 256, uuid, null, Optional.empty(), true, 1, Optional.empty()));
        assertThrows(NullPointerException.class, () -> new SubvolumeInfo(
                Path.of("/p"), "p", 256, uuid, Optional.empty(), Optional.empty(), true, 1, null));
        SubvolumeInfo info = new SubvolumeInfo(Path.of("/p"), "p", 256, uuid, Optional.empty(), Optional.empty(), true, 1, Optional.empty());
        assertThrows(IllegalArgumentException.class, () -> new ReceivedSubvolume(Path.of("/q"), info));
    }

    static String sample(String name) {
        try (InputStream in = BtrfsOutputParsingTest.class.getResourceAsStream("/btrfs-progs-6.2/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no sample " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
