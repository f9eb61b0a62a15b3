package org.icbd.rcs.planner.plan;

import java.util.Objects;

/**
 * One transfer of a plan: a full send of a version, or a delta from a parent the replica holds
 * (or will have received by the time this step runs) to a newer version.
 *
 * <p>Every step carries the master's uuid of the version it sends, which the replica checks
 * against the received subvolume's {@code received_uuid} before promoting it. A delta also
 * carries its parent's uuid: the replica finds the parent by that {@code received_uuid}.
 */
public sealed interface Step permits Step.Full, Step.Delta {

    /** The version this step sends. */
    int version();

    /** The master's uuid of {@link #version()}. */
    SnapshotUuid uuid();

    /** This step in the compact form operators read: {@code full 8} or {@code 8->9}. */
    String render();

    /**
     * A full send of {@code version}: the whole snapshot, needing nothing on the replica.
     *
     * @param version the version sent, &gt; 0
     * @param uuid    the master's uuid of {@code version}
     */
    record Full(int version, SnapshotUuid uuid) implements Step {

        /** Validates every field; messages name the field. */
        public Full {
            if (version <= 0) {
                throw new IllegalArgumentException("version must be > 0, was " + version);
            }
            Objects.requireNonNull(uuid, "uuid must not be null");
        }

        @Override
        public String render() {
            return "full " + version;
        }
    }

    /**
     * A delta {@code parentVersion -> version}: only the difference, applied on top of the
     * replica's copy of {@code parentVersion}.
     *
     * <p>Valid iff {@code 0 < parentVersion < version} (deltas only go forward) and the two uuids
     * differ (they name two different snapshots).
     *
     * @param parentVersion the version the delta is computed against
     * @param parentUuid    the master's uuid of {@code parentVersion}, equal to the replica's
     *                      {@code received_uuid} of its copy
     * @param version       the version sent
     * @param uuid          the master's uuid of {@code version}
     */
    record Delta(int parentVersion, SnapshotUuid parentUuid, int version, SnapshotUuid uuid) implements Step {

        /** Validates every field; messages name the field. */
        public Delta {
            if (parentVersion <= 0) {
                throw new IllegalArgumentException("parentVersion must be > 0, was " + parentVersion);
            }
            if (version <= parentVersion) {
                throw new IllegalArgumentException(
                        "version must be > parentVersion " + parentVersion + ", was " + version);
            }
            Objects.requireNonNull(parentUuid, "parentUuid must not be null");
            Objects.requireNonNull(uuid, "uuid must not be null");
            if (parentUuid.equals(uuid)) {
                throw new IllegalArgumentException("uuid must differ from parentUuid, both are " + uuid);
            }
        }

        @Override
        public String render() {
            return parentVersion + "->" + version;
        }
    }
}
