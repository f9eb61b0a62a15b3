package org.icbd.rcs.master.lifecycle;

import java.util.List;
import java.util.Objects;

/**
 * Whether one version may be retired by hand ({@code icbd retire}), from {@link Retention#mayRetire}:
 * the same watermark as retention, without {@code keep}. Only {@link Allowed} permits it; what a
 * caller lets {@code --force} override is its own decision.
 */
public sealed interface RetireVerdict
        permits RetireVerdict.Allowed, RetireVerdict.Newest, RetireVerdict.NextParent,
                RetireVerdict.AlreadyRetired, RetireVerdict.Unknown {

    /** The version asked about. */
    int version();

    /** True iff the version may be retired without forcing. */
    default boolean allowed() {
        return this instanceof Allowed;
    }

    /** One sentence for an operator. */
    String explain();

    /**
     * The version is live, not the newest and no protecting replica's next parent.
     *
     * @param version            the version
     * @param lapsedNextParentOf the replicas OFFLINE past the limit whose next parent it is: they
     *                           protect nothing, but may need a re-seed once it is gone; sorted
     */
    record Allowed(int version, List<String> lapsedNextParentOf) implements RetireVerdict {

        /** Copies and sorts the ids. */
        public Allowed {
            lapsedNextParentOf = Objects.requireNonNull(lapsedNextParentOf, "lapsedNextParentOf must not be null")
                    .stream().sorted().toList();
        }

        @Override
        public String explain() {
            String text = "version " + version + " may be retired";
            return lapsedNextParentOf.isEmpty() ? text
                    : text + "; it is the next parent of " + String.join(", ", lapsedNextParentOf)
                            + ", OFFLINE past the limit";
        }
    }

    /**
     * The version is the newest live one, which is every replica's next target and parent.
     *
     * @param version the version
     */
    record Newest(int version) implements RetireVerdict {
        @Override
        public String explain() {
            return "version " + version + " is the newest live version and is never retired";
        }
    }

    /**
     * The version is the next parent of the listed replicas: retiring it forces them to re-seed.
     *
     * @param version    the version
     * @param replicaIds the protecting replicas, sorted, not empty
     */
    record NextParent(int version, List<String> replicaIds) implements RetireVerdict {

        /** Copies and sorts the ids; rejects an empty list. */
        public NextParent {
            replicaIds = Objects.requireNonNull(replicaIds, "replicaIds must not be null").stream().sorted().toList();
            if (replicaIds.isEmpty()) {
                throw new IllegalArgumentException("replicaIds must not be empty");
            }
        }

        @Override
        public String explain() {
            return "version " + version + " is the next parent of " + String.join(", ", replicaIds)
                    + ": retiring it would make " + (replicaIds.size() == 1 ? "it" : "them") + " re-seed";
        }
    }

    /**
     * The version is already retired: nothing to do.
     *
     * @param version the version
     */
    record AlreadyRetired(int version) implements RetireVerdict {
        @Override
        public String explain() {
            return "version " + version + " is already retired";
        }
    }

    /**
     * The master never published the version.
     *
     * @param version the version
     */
    record Unknown(int version) implements RetireVerdict {
        @Override
        public String explain() {
            return "version " + version + " is not in the image's history";
        }
    }
}
