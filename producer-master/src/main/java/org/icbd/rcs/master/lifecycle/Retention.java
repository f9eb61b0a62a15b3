package org.icbd.rcs.master.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * The master's retention decision for one image: which live versions to delete so that only the
 * newest {@code keep} remain, except those the fleet still needs. Pure: no I/O, no clock (the
 * caller passes {@code now}), no state; the same inputs give the same decision. Both
 * {@code icbd master serve --keep N} and {@code icbd prune} apply it, and {@code icbd retire}
 * asks {@link #mayRetire} the same question for one version.
 *
 * <h2>Terms</h2>
 * <ul>
 *   <li><em>live</em>: a version in the history that is not retired.</li>
 *   <li><em>newest</em>: the newest live version.</li>
 *   <li><em>next parent</em> of a replica: the newest version it holds that is still live on the
 *       master. Invariant: it is the parent of the next delta the planner sends that replica.
 *       When the replica's newest held version was retired, its next parent is the newest of its
 *       held versions still live, if any; when none of its held versions is live (or it holds
 *       nothing), it has no next parent, needs a full send, and protects nothing. Held numbers
 *       the master never published count as not live.</li>
 *   <li><em>lapsed</em>: a replica OFFLINE for strictly longer than {@code offlineLimit} at
 *       {@code now} ({@link Presence#lapsedAt}). A lapsed replica protects nothing.</li>
 *   <li><em>protected</em>: the next parent of a subscribed replica that is not lapsed (the fleet
 *       watermark).</li>
 * </ul>
 *
 * <h2>Rules</h2>
 * <ol>
 *   <li>Retired versions are never deleted again and are not listed.</li>
 *   <li>The {@code keep} newest live versions are kept; the newest always is, since
 *       {@code keep >= 1}.</li>
 *   <li>Every protected version is kept, however old.</li>
 *   <li>Every other live version is deleted.</li>
 * </ol>
 * Hence the decision is idempotent: applying it retires only unprotected versions, which changes
 * no protecting replica's next parent, and deciding again deletes nothing more.
 *
 * <p>Example: history {@code 1,2,x3,4,5}, keep 2, r1 holds 2 and 4, r2 holds 5: delete 1 and 2
 * (r1's next parent is 4, not 2), keep 4 (within keep, r1's next parent) and 5 (the newest, r2's
 * next parent).
 */
public final class Retention {

    /** How long a replica may be OFFLINE before it stops protecting its next parent. */
    public static final Duration DEFAULT_OFFLINE_LIMIT = Duration.ofDays(30);

    private Retention() {
    }

    /**
     * Decides what retention deletes of one image.
     *
     * @param history      the image's history on the master, retired versions included
     * @param replicas     every replica subscribed to the image, each once
     * @param keep         how many of the newest live versions to keep, &gt;= 1
     * @param now          the instant the OFFLINE durations are measured at
     * @param offlineLimit how long a replica may be OFFLINE and still protect, not negative
     * @throws IllegalArgumentException when {@code keep < 1}, {@code offlineLimit} is negative or
     *                                  a replica id repeats
     */
    public static RetentionDecision decide(VersionHistory history, List<SubscribedReplica> replicas, int keep,
            Instant now, Duration offlineLimit) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, was " + keep);
        }
        Map<Integer, List<String>> protectors = protectors(history, replicas, now, offlineLimit);

        List<Integer> live = history.live();
        List<Integer> newestKept = live.subList(Math.max(0, live.size() - keep), live.size());
        List<Integer> delete = new ArrayList<>();
        List<RetentionDecision.Kept> kept = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            int version = live.get(i);
            List<KeepReason> reasons = new ArrayList<>();
            if (i == live.size() - 1) {
                reasons.add(new KeepReason.Newest());
            } else if (newestKept.contains(version)) {
                reasons.add(new KeepReason.WithinKeep(keep));
            }
            if (protectors.containsKey(version)) {
                reasons.add(new KeepReason.NextParentOf(protectors.get(version)));
            }
            if (reasons.isEmpty()) {
                delete.add(version);
            } else {
                kept.add(new RetentionDecision.Kept(version, reasons));
            }
        }

        Set<Integer> staying = new HashSet<>();
        kept.forEach(k -> staying.add(k.version()));
        List<RetentionDecision.Lapsed> lapsed = new ArrayList<>();
        for (SubscribedReplica replica : replicas) {
            if (replica.presence() instanceof Presence.Offline offline && offline.lapsedAt(now, offlineLimit)) {
                boolean holdsPublished = replica.held().stream().anyMatch(v -> history.find(v).isPresent());
                boolean keepsOne = replica.held().stream().anyMatch(staying::contains);
                lapsed.add(new RetentionDecision.Lapsed(replica.replicaId(), offline.since(),
                        nextParent(history, replica), holdsPublished && !keepsOne));
            }
        }
        lapsed.sort((a, b) -> a.replicaId().compareTo(b.replicaId()));
        return new RetentionDecision(delete, kept, lapsed);
    }

    /**
     * Whether {@code version} may be retired by hand, under the same watermark as
     * {@link #decide} but without {@code keep}: the newest live version never, a protected one
     * only by forcing (the verdict names its protectors).
     *
     * @throws IllegalArgumentException when {@code offlineLimit} is negative or a replica id repeats
     */
    public static RetireVerdict mayRetire(VersionHistory history, List<SubscribedReplica> replicas, int version,
            Instant now, Duration offlineLimit) {
        Map<Integer, List<String>> protectors = protectors(history, replicas, now, offlineLimit);
        if (history.find(version).isEmpty()) {
            return new RetireVerdict.Unknown(version);
        }
        if (!history.isLive(version)) {
            return new RetireVerdict.AlreadyRetired(version);
        }
        if (history.newestLive().getAsInt() == version) {
            return new RetireVerdict.Newest(version);
        }
        if (protectors.containsKey(version)) {
            return new RetireVerdict.NextParent(version, protectors.get(version));
        }
        List<String> lapsed = new ArrayList<>();
        for (SubscribedReplica replica : replicas) {
            OptionalInt next = nextParent(history, replica);
            if (next.isPresent() && next.getAsInt() == version) {
                lapsed.add(replica.replicaId()); // not a protector, so lapsed
            }
        }
        return new RetireVerdict.Allowed(version, lapsed);
    }

    /**
     * The replica's next parent: the newest version it holds that is live in {@code history};
     * empty when it holds none (it then needs a full send).
     */
    public static OptionalInt nextParent(VersionHistory history, SubscribedReplica replica) {
        List<Integer> held = replica.held(); // sorted, oldest first
        for (int i = held.size() - 1; i >= 0; i--) {
            if (history.isLive(held.get(i))) {
                return OptionalInt.of(held.get(i));
            }
        }
        return OptionalInt.empty();
    }

    /** Protected version → the ids of the replicas (not lapsed) whose next parent it is, sorted. */
    private static Map<Integer, List<String>> protectors(VersionHistory history, List<SubscribedReplica> replicas,
            Instant now, Duration offlineLimit) {
        Objects.requireNonNull(history, "history must not be null");
        Objects.requireNonNull(replicas, "replicas must not be null");
        Objects.requireNonNull(now, "now must not be null");
        Objects.requireNonNull(offlineLimit, "offlineLimit must not be null");
        if (offlineLimit.isNegative()) {
            throw new IllegalArgumentException("offlineLimit must not be negative, was " + offlineLimit);
        }
        Set<String> ids = new HashSet<>();
        Map<Integer, List<String>> protectors = new TreeMap<>();
        for (SubscribedReplica replica : replicas) {
            if (!ids.add(replica.replicaId())) {
                throw new IllegalArgumentException("replicas must not repeat a replica, but "
                        + replica.replicaId() + " appears twice");
            }
            if (!replica.presence().lapsedAt(now, offlineLimit)) {
                nextParent(history, replica).ifPresent(
                        v -> protectors.computeIfAbsent(v, k -> new ArrayList<>()).add(replica.replicaId()));
            }
        }
        protectors.values().forEach(list -> list.sort(String::compareTo));
        return protectors;
    }
}
