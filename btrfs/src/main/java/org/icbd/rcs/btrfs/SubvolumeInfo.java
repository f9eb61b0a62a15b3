package org.icbd.rcs.btrfs;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One subvolume as {@code btrfs subvolume show} describes it.
 *
 * @param path the path it was looked up by (absolute, normalised)
 * @param name its name ({@code <FS_TREE>} for the top-level subvolume)
 * @param id its subvolume id (5 for the top level, 256 and up for the others)
 * @param uuid its own UUID, new for every snapshot and every received subvolume
 * @param parentUuid the UUID of the subvolume it was snapshotted from, if any
 * @param receivedUuid for a received subvolume, the UUID of the snapshot that was sent: the identity a
 *     version keeps across sites, and what {@code btrfs receive -p} finds a delta's parent by
 * @param readOnly whether its flags say {@code readonly}
 * @param generation the transaction id of its last change
 * @param creationTime when it was created (its root item's {@code otime}, whole seconds): for a
 *     snapshot when it was taken, for a received subvolume when the receive began; empty when btrfs
 *     recorded none (prints "-": filesystems older than kernel 3.10)
 */
public record SubvolumeInfo(Path path, String name, long id, UUID uuid, Optional<UUID> parentUuid,
        Optional<UUID> receivedUuid, boolean readOnly, long generation, Optional<Instant> creationTime) {

    /** The id of a filesystem's top-level subvolume. */
    public static final long TOP_LEVEL_ID = 5;

    public SubvolumeInfo {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(parentUuid, "parentUuid");
        Objects.requireNonNull(receivedUuid, "receivedUuid");
        Objects.requireNonNull(creationTime, "creationTime");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank (subvolume " + path + ")");
        }
        if (id < TOP_LEVEL_ID) {
            throw new IllegalArgumentException("id must be >= " + TOP_LEVEL_ID + ", got " + id + " for " + path);
        }
        if (generation < 0) {
            throw new IllegalArgumentException("generation must be >= 0, got " + generation + " for " + path);
        }
    }
}
