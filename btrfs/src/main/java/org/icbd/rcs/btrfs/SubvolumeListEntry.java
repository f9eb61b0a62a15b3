package org.icbd.rcs.btrfs;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One line of {@code btrfs subvolume list -u -q -R}: a lighter view than {@link SubvolumeInfo}, for
 * every subvolume of a filesystem at once. It has no read-only flag: {@link BtrfsTool#show} has.
 *
 * @param id the subvolume id
 * @param generation the transaction id of its last change
 * @param topLevelId the id of the subvolume it sits in
 * @param uuid its own UUID
 * @param parentUuid the UUID it was snapshotted from, if any
 * @param receivedUuid the UUID of the snapshot it was received from, if any
 * @param path its path relative to the filesystem's top-level subvolume, which is the mount point when
 *     the filesystem is mounted with {@code subvol=/} (as {@link LoopPool} mounts it)
 */
public record SubvolumeListEntry(long id, long generation, long topLevelId, UUID uuid,
        Optional<UUID> parentUuid, Optional<UUID> receivedUuid, String path) {

    public SubvolumeListEntry {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(parentUuid, "parentUuid");
        Objects.requireNonNull(receivedUuid, "receivedUuid");
        Objects.requireNonNull(path, "path");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("path must not be empty (subvolume id " + id + ")");
        }
        if (id <= SubvolumeInfo.TOP_LEVEL_ID) {
            throw new IllegalArgumentException("id must be > " + SubvolumeInfo.TOP_LEVEL_ID + ", got " + id);
        }
    }
}
