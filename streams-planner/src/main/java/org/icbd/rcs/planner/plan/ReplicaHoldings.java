package org.icbd.rcs.planner.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one replica holds of one image, as read from its disk.
 *
 * <p>The replica lists its {@code versions/} directory in no particular order, so the holdings
 * are sorted here; valid iff no version number appears twice (one directory per version).
 * Whether each holding is really the master's version is not a validity question but a planning
 * one: a mismatch is a {@link Conflict}, not an exception.
 *
 * @param versions the held versions, oldest first after construction; may be empty
 */
public record ReplicaHoldings(List<ReplicaHolding> versions) {

    /** A replica that holds nothing of the image. */
    public static final ReplicaHoldings NONE = new ReplicaHoldings(List.of());

    /** Sorts a copy of {@code versions} and rejects duplicates; messages name the field. */
    public ReplicaHoldings {
        Objects.requireNonNull(versions, "versions must not be null");
        List<ReplicaHolding> sorted = new ArrayList<>(List.copyOf(versions)); // rejects null elements
        sorted.sort(Comparator.comparingInt(ReplicaHolding::version));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).version() == sorted.get(i - 1).version()) {
                throw new IllegalArgumentException(
                        "versions must not repeat a version, but " + sorted.get(i).version() + " appears twice");
            }
        }
        versions = List.copyOf(sorted);
    }

    /** Holdings of the given versions, in any order. */
    public static ReplicaHoldings of(ReplicaHolding... versions) {
        return new ReplicaHoldings(List.of(versions));
    }

    /** True iff the replica holds nothing of the image. */
    public boolean isEmpty() {
        return versions.isEmpty();
    }

    /** The replica's holding filed under {@code version}, if any. */
    public Optional<ReplicaHolding> find(int version) {
        return versions.stream().filter(h -> h.version() == version).findFirst();
    }

    /** The newest version the replica holds, whatever the master thinks of it. */
    public Optional<ReplicaHolding> newest() {
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }
}
