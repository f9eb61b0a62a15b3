package org.icbd.rcs.master.lifecycle;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.icbd.rcs.events.Fields;

/**
 * What {@link Retention#decide} decides for one image: the live versions to delete, every live
 * version it keeps with the reasons, and the replicas that no longer protect anything because they
 * have been OFFLINE past the limit. Already retired versions appear in neither list: they are not
 * deleted again and need no reason to stay gone.
 *
 * <p>Valid iff {@code delete} and the kept versions each strictly increase and share no version,
 * and no replica is listed twice in {@code lapsed}.
 *
 * @param delete the live versions to delete, oldest first
 * @param keep   the live versions kept, oldest first, each with at least one reason
 * @param lapsed the replicas OFFLINE past the limit, by id
 */
public record RetentionDecision(List<Integer> delete, List<Kept> keep, List<Lapsed> lapsed) {

    /** Copies the lists and checks order and disjointness; messages name the field. */
    public RetentionDecision {
        delete = List.copyOf(Objects.requireNonNull(delete, "delete must not be null"));
        keep = List.copyOf(Objects.requireNonNull(keep, "keep must not be null"));
        lapsed = List.copyOf(Objects.requireNonNull(lapsed, "lapsed must not be null"));
        requireIncreasing("delete", delete);
        requireIncreasing("keep", keep.stream().map(Kept::version).toList());
        for (Kept k : keep) {
            if (delete.contains(k.version())) {
                throw new IllegalArgumentException("version " + k.version() + " must not be both deleted and kept");
            }
        }
        Set<String> ids = new HashSet<>();
        for (Lapsed l : lapsed) {
            if (!ids.add(l.replicaId())) {
                throw new IllegalArgumentException("lapsed must not list replica " + l.replicaId() + " twice");
            }
        }
    }

    /** True iff nothing is to be deleted. */
    public boolean deletesNothing() {
        return delete.isEmpty();
    }

    /** The lapsed replicas that will need a full re-seed: ids, sorted. */
    public List<String> reseed() {
        return lapsed.stream().filter(Lapsed::willReseed).map(Lapsed::replicaId).sorted().toList();
    }

    /** One line for logs: {@code delete 1, 2; keep 4, 5; re-seed r3}. */
    public String render() {
        String line = "delete " + numbers(delete) + "; keep " + numbers(keep.stream().map(Kept::version).toList());
        List<String> reseed = reseed();
        return reseed.isEmpty() ? line : line + "; re-seed " + String.join(", ", reseed);
    }

    private static String numbers(List<Integer> versions) {
        return versions.isEmpty() ? "none" : versions.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static void requireIncreasing(String field, List<Integer> versions) {
        for (int i = 0; i < versions.size(); i++) {
            if (versions.get(i) <= 0 || i > 0 && versions.get(i) <= versions.get(i - 1)) {
                throw new IllegalArgumentException(field + " must be strictly increasing versions > 0, was " + versions);
            }
        }
    }

    /**
     * A live version retention keeps.
     *
     * @param version the version, &gt; 0
     * @param reasons why it stays, not empty: {@link KeepReason.Newest} or
     *                {@link KeepReason.WithinKeep} first when they apply, then
     *                {@link KeepReason.NextParentOf}
     */
    public record Kept(int version, List<KeepReason> reasons) {

        /** Validates every field; messages name the field. */
        public Kept {
            if (version <= 0) {
                throw new IllegalArgumentException("version must be > 0, was " + version);
            }
            reasons = List.copyOf(Objects.requireNonNull(reasons, "reasons must not be null"));
            if (reasons.isEmpty()) {
                throw new IllegalArgumentException("reasons of kept version " + version + " must not be empty");
            }
        }

        /** The reasons as one phrase: {@code the newest live version; next parent of r2}. */
        public String why() {
            return reasons.stream().map(KeepReason::explain).collect(Collectors.joining("; "));
        }

        /** The replicas whose next parent this version is; empty when none. */
        public List<String> nextParentOf() {
            return reasons.stream()
                    .filter(KeepReason.NextParentOf.class::isInstance)
                    .flatMap(r -> ((KeepReason.NextParentOf) r).replicaIds().stream())
                    .toList();
        }
    }

    /**
     * A replica that has been OFFLINE for longer than the limit and therefore protects nothing.
     *
     * <p>{@code willReseed} is true iff the replica holds at least one version in the master's
     * history and none of them stays live after this decision: when it comes back, no delta can
     * reach it and the planner sends it a full copy. It is computed against the history after
     * the decision, so deciding again once the decision is applied says the same.
     *
     * @param replicaId    the replica, a valid name
     * @param offlineSince when it became OFFLINE
     * @param nextParent   its next parent before this decision (what it would protect were it
     *                     not lapsed); empty when it holds no live version
     * @param willReseed   whether it will need a full re-seed, as above
     */
    public record Lapsed(String replicaId, Instant offlineSince, OptionalInt nextParent, boolean willReseed) {

        /** Validates every field; messages name the field. */
        public Lapsed {
            Fields.name(replicaId, "replicaId");
            Objects.requireNonNull(offlineSince, "offlineSince must not be null");
            Objects.requireNonNull(nextParent, "nextParent must not be null (use OptionalInt.empty())");
        }

        /** A phrase for an operator and the log. */
        public String explain() {
            String head = replicaId + " is OFFLINE past the limit and protects nothing";
            if (willReseed) {
                return head + ": none of its versions stays on the master, it will re-seed (a full send)";
            }
            if (nextParent.isPresent()) {
                return head + ": its next parent " + nextParent.getAsInt() + " stays for other reasons";
            }
            return head + ": it holds none of the master's versions";
        }
    }
}
