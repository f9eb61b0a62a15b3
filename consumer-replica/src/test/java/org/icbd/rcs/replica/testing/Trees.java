package org.icbd.rcs.replica.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** File trees for tests: writing content that changes between versions, and comparing byte for byte. */
public final class Trees {

    private Trees() {
    }

    /** Writes {@code bytes} of seeded pseudo-random data to {@code file}. */
    public static void writeRandom(Path file, long bytes, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }

    /** Asserts that both trees hold the same relative paths and every file the same bytes. */
    public static void assertSameTree(Path expected, Path actual) throws IOException {
        List<String> e = relativePaths(expected);
        List<String> a = relativePaths(actual);
        assertEquals(e, a, "the trees " + expected + " and " + actual + " list different paths");
        for (String rel : e) {
            Path fe = expected.resolve(rel);
            Path fa = actual.resolve(rel);
            if (Files.isRegularFile(fe)) {
                assertEquals(-1L, Files.mismatch(fe, fa), rel + " differs between " + expected + " and " + actual);
            }
        }
    }

    private static List<String> relativePaths(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted()
                    .collect(Collectors.toList());
        }
    }
}
