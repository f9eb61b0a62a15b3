package org.icbd.rcs.bench.fleet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Compares two directory trees byte for byte: the same entries, the same kinds (file, directory,
 * symlink), the same symlink targets and the same file contents.
 *
 * @param files       regular files compared
 * @param bytes       bytes compared
 * @param differences one line per difference; empty iff the trees are identical
 */
public record TreeComparison(long files, long bytes, List<String> differences) {

    private static final int BUFFER = 1 << 20;
    private static final int MAX_DIFFERENCES = 20;

    public boolean identical() {
        return differences.isEmpty();
    }

    public static TreeComparison compare(Path expected, Path actual) {
        Set<String> left = entries(expected);
        Set<String> right = entries(actual);
        List<String> differences = new ArrayList<>();
        long files = 0;
        long bytes = 0;
        for (String rel : left) {
            if (differences.size() >= MAX_DIFFERENCES) {
                break;
            }
            if (!right.contains(rel)) {
                differences.add("missing: " + rel);
                continue;
            }
            Path a = expected.resolve(rel);
            Path b = actual.resolve(rel);
            if (Files.isSymbolicLink(a) || Files.isSymbolicLink(b)) {
                if (!Files.isSymbolicLink(a) || !Files.isSymbolicLink(b) || !target(a).equals(target(b))) {
                    differences.add("symlink differs: " + rel);
                }
            } else if (Files.isDirectory(a, LinkOption.NOFOLLOW_LINKS) != Files.isDirectory(b, LinkOption.NOFOLLOW_LINKS)) {
                differences.add("kind differs: " + rel);
            } else if (Files.isRegularFile(a, LinkOption.NOFOLLOW_LINKS)) {
                files++;
                long size = size(a);
                if (size != size(b)) {
                    differences.add("size differs: " + rel + " (" + size + " vs " + size(b) + ")");
                } else if (!sameContent(a, b)) {
                    differences.add("content differs: " + rel);
                } else {
                    bytes += size;
                }
            }
        }
        for (String rel : right) {
            if (!left.contains(rel) && differences.size() < MAX_DIFFERENCES) {
                differences.add("unexpected: " + rel);
            }
        }
        return new TreeComparison(files, bytes, List.copyOf(differences));
    }

    private static Set<String> entries(Path root) {
        try (Stream<Path> walk = Files.walk(root, new FileVisitOption[0])) {
            Set<String> out = new TreeSet<>();
            walk.filter(p -> !p.equals(root)).forEach(p -> out.add(root.relativize(p).toString()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    private static boolean sameContent(Path a, Path b) {
        byte[] x = new byte[BUFFER];
        byte[] y = new byte[BUFFER];
        try (InputStream in1 = Files.newInputStream(a); InputStream in2 = Files.newInputStream(b)) {
            while (true) {
                int n = in1.readNBytes(x, 0, BUFFER);
                int m = in2.readNBytes(y, 0, BUFFER);
                if (n != m || !Arrays.equals(x, 0, n, y, 0, m)) {
                    return false;
                }
                if (n < BUFFER) {
                    return true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compare " + a + " with " + b + ": " + e.getMessage(), e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path target(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
