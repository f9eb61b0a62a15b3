package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.icbd.rcs.command.CommandRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {
    /** Shaped like /proc/self/mountinfo here, with optional fields, stacked mounts and escapes. */
    private static final String MOUNTINFO = """
            27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
            22 27 0:21 / /proc rw,relatime - proc proc rw
            24 27 0:6 / /dev rw,relatime shared:2 master:1 - devtmpfs devtmpfs rw,size=12334460k
            43 27 0:39 / /tmp/bx/ma rw,relatime - btrfs /dev/loop0 rw,space_cache=v2,subvolid=5,subvol=/
            44 27 0:41 / /tmp/my\\040pool rw,relatime - btrfs /dev/loop1 rw,subvolid=5,subvol=/
            45 43 0:42 / /tmp/bx/ma/inner rw,relatime - tmpfs tmpfs rw
            46 43 0:43 / /tmp/bx/ma rw,relatime - tmpfs tmpfs rw
            47 27 0:44 /sub /srv/back\\134slash\\011tab rw - btrfs /dev/loop2 rw,subvol=/sub
            """;

    private final MountTable table = MountTable.parse(MOUNTINFO);

    @Test
    void parsesEveryLineWithAndWithoutOptionalFields() {
        assertEquals(8, table.mounts().size());
        assertEquals(new MountTable.Mount(Path.of("/dev"), "/", "devtmpfs", "devtmpfs"), table.mounts().get(2));
        assertEquals(new MountTable.Mount(Path.of("/tmp/bx/ma"), "/", "btrfs", "/dev/loop0"), table.mounts().get(3));
    }

    @Test
    void decodesOctalEscapes() {
        assertEquals(Path.of("/tmp/my pool"), table.mounts().get(4).mountPoint());
        assertEquals(Path.of("/srv/back\\slash\ttab"), table.mounts().get(7).mountPoint());
        assertEquals("/sub", table.mounts().get(7).root());
        assertEquals("a\nb", MountTable.unescape("a\\012b"));
        assertEquals("trailing\\04", MountTable.unescape("trailing\\04"));
        assertEquals("\\999", MountTable.unescape("\\999"));
    }

    @Test
    void theLongestMountPointWinsComponentWise() {
        assertEquals("ext4", fsTypeOf("/"));
        assertEquals("ext4", fsTypeOf("/tmp/bx"));
        assertEquals("btrfs", fsTypeOf("/tmp/my pool/images/x"));
        assertEquals("ext4", fsTypeOf("/tmp/my poolside"), "a prefix of a name is not a parent directory");
        assertEquals("tmpfs", fsTypeOf("/tmp/bx/ma/inner/deeper"));
    }

    @Test
    void theLastOfStackedMountsWins() {
        assertEquals("tmpfs", fsTypeOf("/tmp/bx/ma/versions"));
        assertEquals(Optional.of(new MountTable.Mount(Path.of("/tmp/bx/ma"), "/", "tmpfs", "tmpfs")),
                table.mountAt(Path.of("/tmp/bx/ma")));
        assertEquals(Optional.empty(), table.mountAt(Path.of("/tmp/bx")));
    }

    @Test
    void rejectsMalformedLines() {
        assertThrows(IllegalArgumentException.class, () -> MountTable.parse("27 1 254:0 / / rw shared:1 ext4\n"));
    }

    @Test
    void isBtrfsReadsTheGivenMountTable(@TempDir Path tmp) throws IOException {
        Path mountinfo = tmp.resolve("mountinfo");
        Path pool = Files.createDirectories(tmp.resolve("pool with space/images"));
        String poolMount = tmp.resolve("pool with space").toRealPath().toString().replace(" ", "\\040");
        Files.writeString(mountinfo, "27 1 254:0 / / rw - ext4 /dev/vda rw\n"
                + "50 27 0:50 / " + poolMount + " rw - btrfs /dev/loop9 rw\n");
        BtrfsFsCheck check = new BtrfsFsCheck(new BtrfsTool(new CommandRunner()), mountinfo);
        assertTrue(check.isBtrfs(pool));
        assertFalse(check.isBtrfs(tmp));
        assertFalse(check.isBtrfs(tmp.resolve("does-not-exist")));
    }

    @Test
    void theRealMountTableParses() {
        MountTable real = MountTable.read(MountTable.PROC_SELF_MOUNTINFO);
        assertTrue(real.mountContaining(Path.of("/")).isPresent());
    }

    private String fsTypeOf(String path) {
        return table.mountContaining(Path.of(path)).orElseThrow().fsType();
    }
}
