package org.icbd.rcs.master.lifecycle;

import java.util.List;
import java.util.Objects;

/** Why retention keeps a live version. A kept version has at least one reason. */
public sealed interface KeepReason permits KeepReason.Newest, KeepReason.WithinKeep, KeepReason.NextParentOf {

    /** A phrase for an operator, e.g. {@code next parent of r1, r2}. */
    String explain();

    /** The newest live version: never deleted, whatever {@code keep} says. */
    record Newest() implements KeepReason {
        @Override
        public String explain() {
            return "the newest live version";
        }
    }

    /**
     * One of the {@code keep} newest live versions (and not the newest itself, which is
     * {@link Newest}).
     *
     * @param keep the number of newest live versions retention keeps, &gt; 1 whenever this reason
     *             appears
     */
    record WithinKeep(int keep) implements KeepReason {

        /** Validates {@code keep}: with keep 1 only the newest is kept for its age. */
        public WithinKeep {
            if (keep < 2) {
                throw new IllegalArgumentException("keep must be >= 2 for a version other than the newest, was " + keep);
            }
        }

        @Override
        public String explain() {
            return "one of the newest " + keep + " live versions";
        }
    }

    /**
     * The next parent of each of {@code replicaIds}, which protect it (the fleet watermark).
     *
     * @param replicaIds the protecting replicas, sorted, not empty
     */
    record NextParentOf(List<String> replicaIds) implements KeepReason {

        /** Copies and sorts the ids; rejects an empty list. */
        public NextParentOf {
            replicaIds = Objects.requireNonNull(replicaIds, "replicaIds must not be null").stream().sorted().toList();
            if (replicaIds.isEmpty()) {
                throw new IllegalArgumentException("replicaIds must not be empty");
            }
        }

        @Override
        public String explain() {
            return "next parent of " + String.join(", ", replicaIds);
        }
    }
}
