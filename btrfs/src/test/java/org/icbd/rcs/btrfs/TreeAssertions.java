package org.icbd.rcs.btrfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Byte-for-byte comparison of two directory trees. */
final class TreeAssertions {
    private TreeAssertions() {
    }

    /**
     * Asserts that both trees hold the same entries (by relative path), of the same kinds and
     * permissions, regular files with identical bytes and symbolic links with identical targets.
     */
    static void assertSameTree(Path expected, Path actual) throws IOException {
        Map<String, Path> want = entries(expected);
        Map<String, Path> got = entries(actual);
        assertEquals(want.keySet(), got.keySet(), "entries of " + actual + " vs " + expected);
        for (Map.Entry<String, Path> entry : want.entrySet()) {
            Path e = entry.getValue();
            Path a = got.get(entry.getKey());
            if (Files.isSymbolicLink(e)) {
                assertTrue(Files.isSymbolicLink(a), a + " is not a symbolic link");
                assertEquals(Files.readSymbolicLink(e), Files.readSymbolicLink(a), "target of " + a);
                continue;
            }
            assertEquals(Files.getPosixFilePermissions(e, LinkOption.NOFOLLOW_LINKS),
                    Files.getPosixFilePermissions(a, LinkOption.NOFOLLOW_LINKS), "permissions of " + a);
            if (Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS)) {
                assertTrue(Files.isDirectory(a, LinkOption.NOFOLLOW_LINKS), a + " is not a directory");
            } else {
                assertTrue(Files.isRegularFile(a, LinkOption.NOFOLLOW_LINKS), a + " is not a regular file");
                assertEquals(-1L, Files.mismatch(e, a), "first differing byte of " + a + " vs " + e);
            }
        }
    }

    private static Map<String, Path> entries(Path root) throws IOException {
        Map<String, Path> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root)).forEach(p -> entries.put(root.relativize(p).toString(), p));
        }
        return entries;
    }
}
