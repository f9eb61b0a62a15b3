package org.icbd.rcs.btrfs;

import static org.icbd.rcs.btrfs.TreeAssertions.assertSameTree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.icbd.rcs.command.CommandFailedException;
import org.icbd.rcs.command.CommandRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication between two real loop-mounted pools, laid out as the master and a replica lay them out:
 * master {@code images/ubuntu/work} and {@code images/ubuntu/versions/N}; replica staging in {@code
 * .incoming/ubuntu}, promoted into {@code images/ubuntu/versions}.
 */
@Timeout(300)
class SendReceiveIT {
    private static final int BIG_FILE_BYTES = 8 * 1024 * 1024;

    @TempDir
    Path tmp;

    private final BtrfsTool btrfs = new BtrfsTool(new CommandRunner());
    private LoopPool master;
    private LoopPool replica;
    private Path work;
    private Path masterVersions;
    private Path staging;
    private Path replicaVersions;

    @BeforeAll
    static void environment() {
        ItEnvironment.requireRootAndBtrfsProgs();
    }

    @BeforeEach
    void pools() throws IOException {
        master = LoopPool.create(tmp.resolve("master.img"), tmp.resolve("master"));
        replica = LoopPool.create(tmp.resolve("replica.img"), tmp.resolve("replica"));
        Path image = Files.createDirectories(master.mountPoint().resolve("images/ubuntu"));
        work = image.resolve("work");
        btrfs.createSubvolume(work);
        masterVersions = Files.createDirectories(image.resolve("versions"));
        staging = Files.createDirectories(replica.mountPoint().resolve(".incoming/ubuntu"));
        replicaVersions = Files.createDirectories(replica.mountPoint().resolve("images/ubuntu/versions"));
    }

    @AfterEach
    void cleanup() throws IOException {
        try {
            if (master != null) {
                master.close();
            }
        } finally {
            try {
                if (replica != null) {
                    replica.close();
                }
            } finally {
                ItEnvironment.assertNothingLeftUnder(tmp);
            }
        }
    }

    @Test
    void fullThenIncrementalReplicaMatchesTheMasterByteForByte() throws IOException {
        writeVersion1();
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, masterVersions.resolve("1"));

        ReceivedSubvolume full;
        long fullBytes;
        try (SendStream stream = btrfs.send(v1.path(), Optional.empty())) {
            full = btrfs.receive(staging, stream);
            fullBytes = stream.bytesRead();
        }
        assertEquals(staging.resolve("1"), full.path());
        assertEquals(Optional.of(v1.uuid()), full.info().receivedUuid());
        assertTrue(full.info().readOnly());
        assertTrue(btrfs.isReadOnly(full.path()));
        assertTrue(fullBytes > BIG_FILE_BYTES, "full stream of " + fullBytes + " bytes");
        assertSameTree(v1.path(), full.path());

        SubvolumeInfo promoted1 = promote(full);
        assertEquals(Optional.of(v1.uuid()), promoted1.receivedUuid());

        changeIntoVersion2();
        SubvolumeInfo v2 = btrfs.snapshotReadOnly(work, masterVersions.resolve("2"));
        assertEquals(Optional.of(btrfs.show(work).uuid()), v2.parentUuid());

        Path deltaFile = tmp.resolve("1-2.stream");
        long deltaBytes;
        try (OutputStream out = Files.newOutputStream(deltaFile)) {
            deltaBytes = btrfs.sendTo(v2.path(), Optional.of(v1.path()), out);
        }
        assertEquals(Files.size(deltaFile), deltaBytes);
        assertTrue(deltaBytes < fullBytes / 2, "delta of " + deltaBytes + " bytes vs full " + fullBytes);

        ReceivedSubvolume delta;
        try (InputStream in = Files.newInputStream(deltaFile)) {
            delta = btrfs.receive(staging, in);
        }
        assertEquals(staging.resolve("2"), delta.path());
        assertEquals(Optional.of(v2.uuid()), delta.info().receivedUuid());
        assertTrue(delta.info().readOnly());
        assertSameTree(v2.path(), delta.path());
        promote(delta);

        assertSameTree(v1.path(), replicaVersions.resolve("1"));
        assertSameTree(v2.path(), replicaVersions.resolve("2"));
        assertEquals(List.of(), listNames(staging));
    }

    @Test
    void aTruncatedStreamFailsWithBtrfsReasonAndLeavesNoPartialSubvolume() throws IOException {
        SubvolumeInfo v1 = replicateVersion1();
        changeIntoVersion2();
        SubvolumeInfo v2 = btrfs.snapshotReadOnly(work, masterVersions.resolve("2"));
        byte[] delta = sendToBytes(v2.path(), Optional.of(v1.path()));
        // Something that was in staging before the receive must survive its failure.
        Path unrelated = Files.writeString(staging.resolve("notes.txt"), "not a subvolume");
        List<List<Object>> before = identities(new BtrfsFsCheck(btrfs).listSnapshots(replicaVersions));

        // delta.length - 10 cuts exactly before the 10-byte end command: a command boundary, still an error.
        for (int length : List.of(delta.length / 2, delta.length - 10, delta.length - 1, 100)) {
            byte[] truncated = Arrays.copyOf(delta, length);
            CommandFailedException e = assertThrows(CommandFailedException.class,
                    () -> btrfs.receive(staging, new ByteArrayInputStream(truncated)));
            // btrfs's reason leads the message; its "At snapshot 2" progress line does not.
            assertTrue(e.getMessage().startsWith("`btrfs receive -e " + staging + "` exited 1: ERROR: "), e.getMessage());
            assertTrue(e.stderrTail().startsWith("ERROR: "), e.stderrTail());
            assertEquals(List.of("notes.txt"), listNames(staging), "after a stream cut at " + length);
        }
        assertEquals("not a subvolume", Files.readString(unrelated));
        // Identity, not generation: receiving a delta snapshots its parent, which bumps the parent's generation.
        assertEquals(before, identities(new BtrfsFsCheck(btrfs).listSnapshots(replicaVersions)));
        assertSameTree(v1.path(), replicaVersions.resolve("1"));

        // The failed attempts left nothing in the way of a retry with the whole stream.
        ReceivedSubvolume retried = btrfs.receive(staging, new ByteArrayInputStream(delta));
        assertEquals(Optional.of(v2.uuid()), retried.info().receivedUuid());
        assertSameTree(v2.path(), retried.path());
    }

    @Test
    void aTruncatedFullStreamLeavesNoPartialSubvolume() throws IOException {
        writeVersion1();
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, masterVersions.resolve("1"));
        byte[] full = sendToBytes(v1.path(), Optional.empty());

        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> btrfs.receive(staging, new ByteArrayInputStream(Arrays.copyOf(full, full.length / 3))));
        assertTrue(e.getMessage().contains("exited 1: ERROR: "), e.getMessage());
        assertEquals(List.of(), listNames(staging));
    }

    @Test
    void aCorruptStreamFailsWithBtrfsReason() throws IOException {
        byte[] garbage = new byte[64 * 1024];
        new Random(3).nextBytes(garbage);
        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> btrfs.receive(staging, new ByteArrayInputStream(garbage)));
        assertTrue(e.getMessage().contains("exited 1: ERROR: "), e.getMessage());
        assertEquals(List.of(), listNames(staging));

        CommandFailedException empty = assertThrows(CommandFailedException.class,
                () -> btrfs.receive(staging, new ByteArrayInputStream(new byte[0])));
        assertTrue(empty.getMessage().contains("ERROR: empty stream is not considered valid"), empty.getMessage());
    }

    @Test
    void aFailingSourceKillsTheReceiveAndLeavesNoPartialSubvolume() throws IOException {
        writeVersion1();
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, masterVersions.resolve("1"));
        byte[] full = sendToBytes(v1.path(), Optional.empty());
        IOException reset = new IOException("connection reset by master");
        InputStream failing = new FilterInputStream(new ByteArrayInputStream(full, 0, full.length / 2)) {
            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n < 0) {
                    throw reset;
                }
                return n;
            }
        };
        IOException thrown = assertThrows(IOException.class, () -> btrfs.receive(staging, failing));
        assertSame(reset, thrown);
        assertEquals(List.of(), listNames(staging));
    }

    @Test
    void aDeltaWhoseParentTheReplicaLacksFailsCleanly() throws IOException {
        writeVersion1();
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, masterVersions.resolve("1"));
        changeIntoVersion2();
        SubvolumeInfo v2 = btrfs.snapshotReadOnly(work, masterVersions.resolve("2"));
        byte[] delta = sendToBytes(v2.path(), Optional.of(v1.path()));

        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> btrfs.receive(staging, new ByteArrayInputStream(delta)));
        assertTrue(e.stderrTail().contains("cannot find parent subvolume"), e.stderrTail());
        assertEquals(List.of(), listNames(staging));
    }

    @Test
    void receivingOverAnExistingNameFailsAndNeverDeletesWhatWasThere() throws IOException {
        SubvolumeInfo v1 = replicateVersion1();
        byte[] full = sendToBytes(v1.path(), Optional.empty());
        ReceivedSubvolume first = btrfs.receive(staging, new ByteArrayInputStream(full));

        CommandFailedException e = assertThrows(CommandFailedException.class,
                () -> btrfs.receive(staging, new ByteArrayInputStream(full)));
        assertTrue(e.stderrTail().contains("File exists"), e.stderrTail());
        assertEquals(first.info(), btrfs.show(staging.resolve("1")));
        assertSameTree(v1.path(), staging.resolve("1"));
    }

    @Test
    void aFailedSendReportsBtrfsReasonOnClose() throws IOException {
        Path missing = masterVersions.resolve("9");
        SendStream stream = btrfs.send(missing, Optional.empty());
        assertEquals(-1, stream.read(new byte[1024]));
        CommandFailedException e = assertThrows(CommandFailedException.class, stream::close);
        assertTrue(e.getMessage().startsWith("`btrfs send -q " + missing + "` exited 1: ERROR: "), e.getMessage());
        stream.close();

        CommandFailedException sendTo = assertThrows(CommandFailedException.class,
                () -> btrfs.sendTo(work, Optional.empty(), OutputStream.nullOutputStream()));
        assertTrue(sendTo.getMessage().contains("ERROR: "), sendTo.getMessage());
    }

    @Test
    void anAbandonedSendIsKilledWithoutError() throws IOException {
        writeVersion1();
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, masterVersions.resolve("1"));
        SendStream stream = btrfs.send(v1.path(), Optional.empty());
        assertEquals(4096, stream.readNBytes(4096).length);
        stream.close();
        assertEquals(4096, stream.bytesRead());
    }

    /**
     * What promotion from staging can and cannot do: a read-only subvolume cannot be moved to another
     * directory (EROFS, its ".." would change), only renamed within its own; a read-only snapshot of it
     * keeps its receivedUuid, so promoting by snapshot + delete works.
     */
    @Test
    void readOnlySubvolumesRenameOnlyWithinTheirDirectory() throws IOException {
        writeVersion1();
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, masterVersions.resolve("1"));
        ReceivedSubvolume received = btrfs.receive(staging, new ByteArrayInputStream(sendToBytes(v1.path(), Optional.empty())));

        FileSystemException moveAcross = assertThrows(FileSystemException.class,
                () -> Files.move(received.path(), replicaVersions.resolve("1")));
        assertTrue(String.valueOf(moveAcross.getMessage()).contains("Read-only file system"), moveAcross.getMessage());

        Path renamed = Files.move(received.path(), staging.resolve("1.verified"));
        assertEquals(Optional.of(v1.uuid()), btrfs.show(renamed).receivedUuid());

        SubvolumeInfo copy = btrfs.snapshotReadOnly(renamed, replicaVersions.resolve("1"));
        assertEquals(Optional.of(v1.uuid()), copy.receivedUuid());
        assertTrue(copy.readOnly());
        btrfs.deleteSubvolume(renamed);
        assertFalse(Files.exists(renamed));
        assertSameTree(v1.path(), copy.path());
    }

    /** Replicates version 1 to the replica's versions directory; returns the master's snapshot. */
    private SubvolumeInfo replicateVersion1() throws IOException {
        writeVersion1();
        SubvolumeInfo v1 = btrfs.snapshotReadOnly(work, masterVersions.resolve("1"));
        promote(btrfs.receive(staging, new ByteArrayInputStream(sendToBytes(v1.path(), Optional.empty()))));
        return v1;
    }

    /**
     * Moves a verified subvolume from staging into versions. A read-only subvolume cannot be renamed
     * into another directory, so this snapshots it there (the snapshot keeps its receivedUuid) and
     * deletes the staged one.
     */
    private SubvolumeInfo promote(ReceivedSubvolume received) {
        SubvolumeInfo promoted = btrfs.snapshotReadOnly(received.path(),
                replicaVersions.resolve(received.path().getFileName()));
        btrfs.deleteSubvolume(received.path());
        return promoted;
    }

    private void writeVersion1() throws IOException {
        Files.createDirectories(work.resolve("etc"));
        Files.createDirectories(work.resolve("boot"));
        Files.createDirectories(work.resolve("var/empty"));
        Files.writeString(work.resolve("etc/hostname"), "ubuntu-v1\n");
        Files.writeString(work.resolve("boot/config"), "root=/dev/sda1 quiet\n");
        Files.writeString(work.resolve("to-delete.txt"), "gone in v2\n");
        Files.writeString(work.resolve("to-rename.txt"), "renamed in v2\n");
        Files.createSymbolicLink(work.resolve("etc/localtime"), Path.of("/usr/share/zoneinfo/UTC"));
        writeRandom(work.resolve("disk.img"), BIG_FILE_BYTES, 1);
    }

    private void changeIntoVersion2() throws IOException {
        Files.writeString(work.resolve("etc/hostname"), "ubuntu-v2\n");
        Files.delete(work.resolve("to-delete.txt"));
        Files.move(work.resolve("to-rename.txt"), work.resolve("boot/renamed.txt"));
        Files.createDirectories(work.resolve("opt/tool"));
        writeRandom(work.resolve("opt/tool/bin"), 300_000, 2);
        byte[] patch = new byte[1024 * 1024];
        new Random(3).nextBytes(patch);
        try (FileChannel disk = FileChannel.open(work.resolve("disk.img"), StandardOpenOption.WRITE)) {
            disk.write(ByteBuffer.wrap(patch), 3L * 1024 * 1024);
            disk.write(ByteBuffer.wrap(patch, 0, 4096), disk.size());
        }
    }

    private static void writeRandom(Path file, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        Files.write(file, bytes);
    }

    private byte[] sendToBytes(Path snapshot, Optional<Path> parent) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        btrfs.sendTo(snapshot, parent, out);
        return out.toByteArray();
    }

    private static List<List<Object>> identities(List<SubvolumeInfo> snapshots) {
        return snapshots.stream()
                .map(s -> List.<Object>of(s.path(), s.uuid(), s.receivedUuid(), s.readOnly()))
                .toList();
    }

    private static List<String> listNames(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
