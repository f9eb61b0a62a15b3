package org.icbd.rcs.btrfs;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One read-only subvolume as {@link BtrfsTool#listReadOnly} reports it: its listing line and its
 * creation time.
 *
 * @param listed its line of {@code btrfs subvolume list -o -r -u -q -R}; the path is relative to the
 *     filesystem's top-level subvolume
 * @param creationTime when it was created, for a snapshot: {@code btrfs subvolume list -s} prints the
 *     creation time of snapshots only, so it is empty for a read-only subvolume that is not one (a
 *     full receive's result, which {@link BtrfsTool#show} describes fully) and for one whose time
 *     btrfs did not record
 */
public record ReadOnlySubvolume(SubvolumeListEntry listed, Optional<Instant> creationTime) {

    public ReadOnlySubvolume {
        Objects.requireNonNull(listed, "listed");
        Objects.requireNonNull(creationTime, "creationTime");
    }
}
