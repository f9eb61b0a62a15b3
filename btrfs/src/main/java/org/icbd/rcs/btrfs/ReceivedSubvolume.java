package org.icbd.rcs.btrfs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link BtrfsTool#receive} created: the subvolume's path (inside the directory received into)
 * and its description, read after the receive finished. Verifying it (read-only, the expected {@code
 * receivedUuid}) is the caller's decision.
 */
public record ReceivedSubvolume(Path path, SubvolumeInfo info) {

    public ReceivedSubvolume {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(info, "info");
        if (!path.equals(info.path())) {
            throw new IllegalArgumentException("path " + path + " differs from info.path " + info.path());
        }
    }
}
