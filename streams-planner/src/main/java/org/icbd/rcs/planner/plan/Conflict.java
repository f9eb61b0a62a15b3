package org.icbd.rcs.planner.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The replica holds something that is not the master's: the planner sends nothing over it and an
 * operator decides. Modelled on zrepl's {@code ConflictDiverged}: a conflict keeps both sides,
 * and its {@link #describe() description} lists both, the offending versions with their uuids,
 * and what an operator can do.
 *
 * <p>A held version is <em>diverged</em> iff the master's history has that version number with a
 * different uuid than the replica's {@code received_uuid}; it is <em>unknown</em> iff the
 * master's history lacks that version number altogether. When a replica has both, the conflict
 * is {@link Diverged} (the stronger evidence that the two sides disagree) and still lists the
 * unknown versions.
 */
public sealed interface Conflict extends PlanResult permits Conflict.Diverged, Conflict.UnknownVersions {

    /** What the master has: its whole history of the image. */
    ImageHistory master();

    /** What the replica has of the image. */
    ReplicaHoldings replica();

    /** The replica's versions whose received_uuid is not the master's uuid of that version. */
    default List<ReplicaHolding> diverged() {
        return divergedOf(master(), replica());
    }

    /** The replica's versions that the master's history does not contain. */
    default List<ReplicaHolding> unknown() {
        return unknownOf(master(), replica());
    }

    /** One line: {@code conflict: diverged 3; unknown 12}. */
    @Override
    default String render() {
        List<String> parts = new ArrayList<>();
        if (!diverged().isEmpty()) {
            parts.add("diverged " + versions(diverged()));
        }
        if (!unknown().isEmpty()) {
            parts.add("unknown " + versions(unknown()));
        }
        return "conflict: " + String.join("; ", parts);
    }

    /** A headline, both sides, each offending version with its uuids, and what to do. */
    @Override
    default String describe() {
        StringBuilder out = new StringBuilder("conflict: ").append(headline()).append('\n');
        out.append("  master has:  ").append(CompactNotation.render(master()));
        if (master().versions().stream().anyMatch(MasterVersion::retired)) {
            out.append("   (x = retired)");
        }
        out.append('\n');
        out.append("  replica has: ").append(markedReplica()).append('\n');
        for (ReplicaHolding held : replica().versions()) {
            Optional<MasterVersion> known = master().find(held.version());
            if (known.isEmpty()) {
                out.append("  ").append(held.version()).append(": not in the master's history; replica received_uuid ")
                        .append(uuidText(held.receivedUuid())).append('\n');
            } else if (!held.matches(known.get())) {
                out.append("  ").append(held.version()).append(": master uuid ").append(known.get().uuid())
                        .append(", replica received_uuid ").append(uuidText(held.receivedUuid())).append('\n');
            }
        }
        out.append("nothing is sent to this replica for this image until an operator:");
        for (String remedy : remedies()) {
            out.append("\n  - ").append(remedy);
        }
        return out.toString();
    }

    /** One sentence naming what is wrong. */
    String headline();

    /** What an operator can do, one option per entry. */
    List<String> remedies();

    /**
     * The replica holds at least one version whose received_uuid differs from the master's uuid
     * of that version: same number, different snapshot. Valid iff that is so of {@code replica}.
     *
     * @param master  the master's history
     * @param replica the replica's holdings
     */
    record Diverged(ImageHistory master, ReplicaHoldings replica) implements Conflict {

        /** Rejects sides that do not diverge: a conflict is only built when it is real. */
        public Diverged {
            Objects.requireNonNull(master, "master must not be null");
            Objects.requireNonNull(replica, "replica must not be null");
            if (divergedOf(master, replica).isEmpty()) {
                throw new IllegalArgumentException("replica must hold a version that differs from the master's, holds "
                        + versions(replica.versions()));
            }
        }

        @Override
        public String headline() {
            List<ReplicaHolding> diverged = diverged();
            return "the replica has diverged from the master: its " + versions(diverged)
                    + (diverged.size() == 1 ? " is not the master's " : " are not the master's ") + versions(diverged);
        }

        @Override
        public List<String> remedies() {
            return List.of(
                    "finds out which side is right: was the master's image restored or rebuilt, or a version"
                            + " re-created, after the replica received " + versions(diverged()) + "?",
                    "if the master is right, deletes " + deletable(this) + " on the replica (after copying"
                            + " them aside if they matter); the next plan then sends deltas from the newest"
                            + " version left in common, or a full send if none is left");
        }
    }

    /**
     * The replica holds at least one version the master's history does not contain, and none
     * that diverges. Valid iff that is so of {@code replica}.
     *
     * @param master  the master's history
     * @param replica the replica's holdings
     */
    record UnknownVersions(ImageHistory master, ReplicaHoldings replica) implements Conflict {

        /** Rejects sides without an unknown version, or with a diverged one (that is Diverged). */
        public UnknownVersions {
            Objects.requireNonNull(master, "master must not be null");
            Objects.requireNonNull(replica, "replica must not be null");
            if (unknownOf(master, replica).isEmpty()) {
                throw new IllegalArgumentException("replica must hold a version unknown to the master, holds "
                        + versions(replica.versions()));
            }
            if (!divergedOf(master, replica).isEmpty()) {
                throw new IllegalArgumentException("replica must not hold a diverged version (that is Diverged), holds "
                        + versions(divergedOf(master, replica)));
            }
        }

        @Override
        public String headline() {
            return "the replica holds " + versions(unknown()) + ", which the master's history does not contain";
        }

        @Override
        public List<String> remedies() {
            return List.of(
                    "if the master still has " + versions(unknown()) + " on disk but its history lost "
                            + (unknown().size() == 1 ? "it" : "them")
                            + ", checks that the master service runs: it publishes every version on disk that the"
                            + " history lacks at each reconciliation",
                    "otherwise deletes " + deletable(this) + " on the replica; the next plan then continues"
                            + " from the newest version left in common");
        }
    }

    private static List<ReplicaHolding> divergedOf(ImageHistory master, ReplicaHoldings replica) {
        List<ReplicaHolding> diverged = new ArrayList<>();
        for (ReplicaHolding held : replica.versions()) {
            master.find(held.version()).filter(known -> !held.matches(known)).ifPresent(known -> diverged.add(held));
        }
        return List.copyOf(diverged);
    }

    private static List<ReplicaHolding> unknownOf(ImageHistory master, ReplicaHoldings replica) {
        List<ReplicaHolding> unknown = new ArrayList<>();
        for (ReplicaHolding held : replica.versions()) {
            if (master.find(held.version()).isEmpty()) {
                unknown.add(held);
            }
        }
        return List.copyOf(unknown);
    }

    /** The replica's versions, {@code !} marking diverged ones and {@code ?} unknown ones. */
    private String markedReplica() {
        if (replica().isEmpty()) {
            return "nothing";
        }
        List<String> entries = new ArrayList<>();
        for (ReplicaHolding held : replica().versions()) {
            Optional<MasterVersion> known = master().find(held.version());
            String mark = known.isEmpty() ? "?" : held.matches(known.get()) ? "" : "!";
            entries.add(held.version() + mark);
        }
        List<String> legend = new ArrayList<>();
        if (!diverged().isEmpty()) {
            legend.add("! = not the master's snapshot of that version");
        }
        if (!unknown().isEmpty()) {
            legend.add("? = not in the master's history");
        }
        return String.join(", ", entries) + "   (" + String.join(", ", legend) + ")";
    }

    /** The versions an operator would delete on the replica, as paths under the image. */
    private static String deletable(Conflict conflict) {
        List<ReplicaHolding> offending = new ArrayList<>(conflict.diverged());
        offending.addAll(conflict.unknown());
        offending.sort((a, b) -> Integer.compare(a.version(), b.version()));
        return offending.stream().map(h -> "versions/" + h.version()).collect(Collectors.joining(", "));
    }

    private static String versions(List<ReplicaHolding> holdings) {
        return holdings.stream().map(h -> String.valueOf(h.version())).collect(Collectors.joining(", "));
    }

    private static String uuidText(SnapshotUuid uuid) {
        return uuid.isNil() ? uuid + " (none: never received)" : uuid.toString();
    }
}
