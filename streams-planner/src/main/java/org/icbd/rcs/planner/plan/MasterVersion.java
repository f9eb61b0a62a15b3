package org.icbd.rcs.planner.plan;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * One version of an image as the master knows it: published, and possibly retired since.
 *
 * <p>A retired version's snapshot was deleted on the master: it can be neither sent nor used as
 * the parent of a delta, but it stays in the history so that a replica still holding it is
 * recognised rather than reported as unknown.
 *
 * @param version       the version number, &gt; 0
 * @param uuid          the btrfs uuid of the master's snapshot; never nil, since every real
 *                      subvolume has a uuid
 * @param parentVersion the version this one was snapshotted after, when known. Informative
 *                      only: the planner chooses delta parents from what the replica holds, not
 *                      from this field. When present it is &gt; 0 and &lt; {@code version}.
 * @param retired       true iff the master has deleted this version's snapshot
 */
public record MasterVersion(int version, SnapshotUuid uuid, OptionalInt parentVersion, boolean retired) {

    /** Validates every field; messages name the field. */
    public MasterVersion {
        if (version <= 0) {
            throw new IllegalArgumentException("version must be > 0, was " + version);
        }
        Objects.requireNonNull(uuid, "uuid must not be null");
        if (uuid.isNil()) {
            throw new IllegalArgumentException(
                    "uuid of version " + version + " must not be the nil UUID (btrfs's 'none')");
        }
        Objects.requireNonNull(parentVersion, "parentVersion must not be null (use OptionalInt.empty())");
        if (parentVersion.isPresent()
                && (parentVersion.getAsInt() <= 0 || parentVersion.getAsInt() >= version)) {
            throw new IllegalArgumentException("parentVersion must be > 0 and < version " + version
                    + ", was " + parentVersion.getAsInt());
        }
    }

    /** A version built from wire values; {@code uuid} is validated under the name {@code uuid}. */
    public static MasterVersion of(int version, String uuid, OptionalInt parentVersion, boolean retired) {
        return new MasterVersion(version, SnapshotUuid.parse("uuid", uuid), parentVersion, retired);
    }

    /** True iff the master still has this version's snapshot: it can be sent and be a parent. */
    public boolean live() {
        return !retired;
    }
}
