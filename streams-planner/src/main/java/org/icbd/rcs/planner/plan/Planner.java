package org.icbd.rcs.planner.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The planning kernel: for one image and one replica, the chain of steps the replica is missing,
 * or the conflict that stops it. Pure: no I/O, no clock, no state; the same inputs give the same
 * result. Modelled on zrepl's {@code diff.IncrementalPath(receiver, sender)}.
 *
 * <h2>Terms</h2>
 * <ul>
 *   <li><em>live</em>: a version in the master's history that is not retired; only live versions
 *       can be sent or be a delta parent.</li>
 *   <li><em>kept</em>: the {@code keep} newest live versions (all of them when fewer exist).</li>
 *   <li><em>newest</em>: the newest live version.</li>
 *   <li><em>horizon</em>: the newest version the replica holds, live or retired. Planning goes
 *       forward only from it.</li>
 *   <li><em>base</em>: the newest version the replica holds that is live on the master; the
 *       parent of the first delta.</li>
 * </ul>
 *
 * <h2>Rules, in the order they apply</h2>
 * <ol>
 *   <li><b>Identity first.</b> If a held version's received_uuid differs from the master's uuid
 *       of that version, the result is {@link Conflict.Diverged}; otherwise, if a held version is
 *       not in the master's history at all, {@link Conflict.UnknownVersions}. This is checked
 *       before anything else, so a conflict is reported even when there would be nothing to send
 *       (the replica is in sync, or nothing is live): the replica serves a snapshot the master
 *       does not vouch for, and a full resend over it is never silent.</li>
 *   <li><b>Nothing live:</b> an empty plan ({@link Plan.Basis.NoLiveVersion}).</li>
 *   <li><b>In sync:</b> if the replica holds the newest live version, an empty plan
 *       ({@link Plan.Basis.InSync}), even if it lacks older kept versions: they are not
 *       backfilled.</li>
 *   <li><b>Targets:</b> the kept versions newer than the horizon (all kept versions when the
 *       replica holds nothing), plus the newest live version if it is not already among them.
 *       The newest can only be missing from that set when the horizon is a retired version
 *       newer than every live one (the master rolled back by retiring its latest versions):
 *       the replica then gets the newest live version, and nothing else older than its
 *       horizon.</li>
 *   <li><b>Chain:</b> the targets in increasing order, each a delta from the previous one. The
 *       first step is
 *       <ul>
 *         <li>a delta from the base if the replica holds a live version
 *             ({@link Plan.Basis.Incremental}); the base is older than every target;</li>
 *         <li>a full send if the replica holds nothing ({@link Plan.Basis.Initial});</li>
 *         <li>a full send if everything the replica holds is retired on the master
 *             ({@link Plan.Basis.Reseed}). This is not a conflict: the replica's versions are the
 *             master's, but the master deleted them and cannot compute a delta from them. The
 *             replica keeps its retired versions; they are simply no longer a parent.</li>
 *       </ul></li>
 * </ol>
 *
 * <p>Examples, history 1..10: keep 3, holding nothing: {@code full 8, 8->9, 9->10}; keep 3,
 * holding 2: {@code 2->8, 8->9, 9->10}; history {@code 1,2,x3,4}, keep 3, holding 3: reseed,
 * {@code full 4}.
 */
public final class Planner {

    private Planner() {
    }

    /**
     * Plans what {@code replica} is missing of the image whose history is {@code master}.
     *
     * @param master  the image's history on the master, retired versions included
     * @param replica what the replica holds of the image
     * @param keep    how many of the newest live versions the replica wants, &gt;= 1
     * @return a {@link Plan} (empty when there is nothing to send) or a {@link Conflict}
     * @throws IllegalArgumentException when {@code keep} &lt; 1
     */
    public static PlanResult plan(ImageHistory master, ReplicaHoldings replica, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, was " + keep);
        }
        Optional<Conflict> conflict = conflict(master, replica);
        if (conflict.isPresent()) {
            return conflict.get();
        }
        // From here on every held version is the master's snapshot of that version.

        List<MasterVersion> live = master.live();
        if (live.isEmpty()) {
            return new Plan(new Plan.Basis.NoLiveVersion(), List.of());
        }
        MasterVersion newest = live.get(live.size() - 1);
        if (replica.find(newest.version()).isPresent()) {
            return new Plan(new Plan.Basis.InSync(newest.version()), List.of());
        }

        List<MasterVersion> targets = targets(live, newest, keep, replica);
        Optional<MasterVersion> base = base(master, replica);
        List<Step> steps = new ArrayList<>();
        MasterVersion previous = base.orElse(null);
        for (MasterVersion target : targets) {
            steps.add(previous == null
                    ? new Step.Full(target.version(), target.uuid())
                    : new Step.Delta(previous.version(), previous.uuid(), target.version(), target.uuid()));
            previous = target;
        }

        Plan.Basis basis;
        if (base.isPresent()) {
            basis = new Plan.Basis.Incremental(base.get().version());
        } else if (replica.isEmpty()) {
            basis = new Plan.Basis.Initial();
        } else {
            basis = new Plan.Basis.Reseed(replica.versions().stream().map(ReplicaHolding::version).toList());
        }
        return new Plan(basis, steps);
    }

    private static Optional<Conflict> conflict(ImageHistory master, ReplicaHoldings replica) {
        boolean diverged = false;
        boolean unknown = false;
        for (ReplicaHolding held : replica.versions()) {
            Optional<MasterVersion> known = master.find(held.version());
            if (known.isEmpty()) {
                unknown = true;
            } else if (!held.matches(known.get())) {
                diverged = true;
            }
        }
        if (diverged) {
            return Optional.of(new Conflict.Diverged(master, replica));
        }
        return unknown ? Optional.of(new Conflict.UnknownVersions(master, replica)) : Optional.empty();
    }

    /**
     * The versions to send, oldest first: kept versions newer than the horizon, plus the newest.
     * Never empty, since the caller has established that the replica lacks the newest.
     */
    private static List<MasterVersion> targets(List<MasterVersion> live, MasterVersion newest, int keep,
            ReplicaHoldings replica) {
        List<MasterVersion> kept = live.subList(Math.max(0, live.size() - keep), live.size());
        OptionalInt horizon = replica.newest().map(h -> OptionalInt.of(h.version())).orElse(OptionalInt.empty());
        List<MasterVersion> targets = new ArrayList<>();
        for (MasterVersion v : kept) {
            if (horizon.isEmpty() || v.version() > horizon.getAsInt()) {
                targets.add(v);
            }
        }
        if (targets.isEmpty()) {
            // The newest is missing from the targets iff all kept versions are older than the
            // horizon, i.e. the horizon is a retired version newer than every live one.
            targets.add(newest);
        }
        return targets;
    }

    /** The newest held version that is live on the master; held versions are known to match. */
    private static Optional<MasterVersion> base(ImageHistory master, ReplicaHoldings replica) {
        for (int i = replica.versions().size() - 1; i >= 0; i--) {
            Optional<MasterVersion> known = master.find(replica.versions().get(i).version());
            if (known.isPresent() && known.get().live()) {
                return known;
            }
        }
        return Optional.empty();
    }
}
