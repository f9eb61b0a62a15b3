package org.icbd.rcs.planner.plan;

import java.util.Objects;

/**
 * One version of an image as a replica holds it on disk.
 *
 * @param version      the version number the replica files it under ({@code versions/<n>}), &gt; 0
 * @param receivedUuid the subvolume's btrfs {@code received_uuid}. It equals the master's uuid of
 *                     {@code version} iff the replica holds the master's version; the nil UUID
 *                     (a subvolume that was never received) matches no master version.
 */
public record ReplicaHolding(int version, SnapshotUuid receivedUuid) {

    /** Validates every field; messages name the field. */
    public ReplicaHolding {
        if (version <= 0) {
            throw new IllegalArgumentException("version must be > 0, was " + version);
        }
        Objects.requireNonNull(receivedUuid, "receivedUuid must not be null");
    }

    /** A holding built from wire values; {@code receivedUuid} is validated under that name. */
    public static ReplicaHolding of(int version, String receivedUuid) {
        return new ReplicaHolding(version, SnapshotUuid.parse("receivedUuid", receivedUuid));
    }

    /** True iff this is the master's snapshot of the same version number. */
    public boolean matches(MasterVersion master) {
        return master.version() == version && master.uuid().equals(receivedUuid);
    }
}
