package org.icbd.rcs.planner.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the master has published of one image, oldest first, retired versions included.
 *
 * <p>Valid iff the versions are strictly increasing (hence no version appears twice) and no two
 * versions share a uuid: a uuid names exactly one snapshot, so a repeated uuid would make
 * "which version does the replica hold" ambiguous. Histories hold tens to hundreds of versions,
 * so lookups scan the list.
 *
 * @param versions the versions, strictly increasing by version number; may be empty (an image
 *                 to which a replica subscribed before its first version was published)
 */
public record ImageHistory(List<MasterVersion> versions) {

    /** The history of an image that has no version yet. */
    public static final ImageHistory EMPTY = new ImageHistory(List.of());

    /** Copies {@code versions} and checks order and uuid uniqueness; messages name the field. */
    public ImageHistory {
        Objects.requireNonNull(versions, "versions must not be null");
        versions = List.copyOf(versions); // also rejects null elements
        Map<SnapshotUuid, Integer> versionByUuid = new HashMap<>();
        for (int i = 0; i < versions.size(); i++) {
            MasterVersion v = versions.get(i);
            if (i > 0 && v.version() <= versions.get(i - 1).version()) {
                throw new IllegalArgumentException("versions must be strictly increasing, but "
                        + v.version() + " follows " + versions.get(i - 1).version() + " at index " + i);
            }
            Integer clash = versionByUuid.putIfAbsent(v.uuid(), v.version());
            if (clash != null) {
                throw new IllegalArgumentException("versions must have distinct uuids, but versions "
                        + clash + " and " + v.version() + " both have uuid " + v.uuid());
            }
        }
    }

    /** A history of the given versions, which must already be strictly increasing. */
    public static ImageHistory of(MasterVersion... versions) {
        return new ImageHistory(List.of(versions));
    }

    /** The master's record of {@code version}, retired or not; empty iff it was never published. */
    public Optional<MasterVersion> find(int version) {
        return versions.stream().filter(v -> v.version() == version).findFirst();
    }

    /** The versions whose snapshots the master still has, oldest first. */
    public List<MasterVersion> live() {
        List<MasterVersion> live = new ArrayList<>();
        for (MasterVersion v : versions) {
            if (v.live()) {
                live.add(v);
            }
        }
        return List.copyOf(live);
    }

    /** The newest version the master can send; empty iff no version is live. */
    public Optional<MasterVersion> newestLive() {
        List<MasterVersion> live = live();
        return live.isEmpty() ? Optional.empty() : Optional.of(live.get(live.size() - 1));
    }
}
