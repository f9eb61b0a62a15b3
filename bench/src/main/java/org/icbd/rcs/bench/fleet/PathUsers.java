package org.icbd.rcs.bench.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The processes using a directory tree: their working directory, root or an open file lies under
 * it (what {@code fuser -m} would find on a mount). Read from {@code /proc}; processes this user
 * may not inspect are not seen, which is why the demo is stopped as root.
 */
public final class PathUsers {

    /** One process using the tree. */
    public record User(long pid, String command) {
    }

    private PathUsers() {
    }

    /** Every process other than this one with its cwd, root or an open file under {@code dir}. */
    public static List<User> of(Path dir) {
        Path root;
        try {
            root = dir.toRealPath();
        } catch (IOException gone) {
            return List.of();
        }
        long self = ProcessHandle.current().pid();
        List<User> users = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.toList()) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                if (uses(proc, root)) {
                    long pid = Long.parseLong(name);
                    users.add(new User(pid, KeptProcess.cmdlineOf(pid)
                            .map(c -> new String(c, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').strip())
                            .orElse("?")));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc to find the users of " + dir, e);
        }
        return users;
    }

    private static boolean uses(Path proc, Path root) {
        if (under(proc.resolve("cwd"), root) || under(proc.resolve("root"), root)) {
            return true;
        }
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.anyMatch(fd -> under(fd, root));
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    private static boolean under(Path link, Path root) {
        try {
            return Files.readSymbolicLink(link).startsWith(root);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
