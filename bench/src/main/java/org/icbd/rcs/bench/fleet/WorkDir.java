package org.icbd.rcs.bench.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.icbd.rcs.btrfs.LoopPool;

/** A fleet's work directory between runs: what a killed run left mounted is taken down before a new one. */
public final class WorkDir {

    private WorkDir() {
    }

    /** Destroys the pools a previous {@link Fleet} left under {@code dir} and deletes it. */
    public static void reset(Path dir) throws IOException {
        Path mnt = dir.resolve("mnt");
        if (Files.isDirectory(mnt)) {
            try (var mounts = Files.list(mnt)) {
                for (Path m : mounts.toList()) {
                    LoopPool.destroy(dir.resolve("pools").resolve(m.getFileName() + ".img"), m);
                }
            }
        }
        delete(dir);
    }

    /** Deletes {@code dir} and everything under it; nothing when it does not exist. */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
