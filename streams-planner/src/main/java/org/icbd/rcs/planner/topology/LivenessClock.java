package org.icbd.rcs.planner.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Who of one partition's replicas is silent, judged against the input's own progress rather than
 * the planner's wall clock, so that a planner behind on {@code icbd.replicas} never turns its
 * backlog into the replicas' outage. In memory, no I/O, no clock of its own: every method takes
 * the wall clock as a parameter.
 *
 * <h2>The clock</h2>
 * The liveness clock is the newest {@code lastSeen} processed on the partition (each clamped to
 * the wall clock when it was processed, so a replica whose clock runs ahead moves it no further
 * than now). A replica is silent iff the clock is more than {@code offlineAfter} past its own
 * {@code lastSeen}: other replicas' heartbeats, read in order, prove that time has passed. When the
 * partition has been idle (nothing processed) for {@code offlineAfter} of wall time, the clock
 * follows the wall clock: an idle input is not a backlog, and a whole partition falling silent
 * must still show as OFFLINE. Idle is judged by {@link #due} calls made at their interval: a gap
 * between two calls longer than {@link #BUSY_GAP} means the thread was busy elsewhere (other
 * tasks, a rebalance), not that the input was idle, and starts the idle window again.
 *
 * <h2>Cost</h2>
 * A heartbeat costs a map update and a heap insertion, never a store write; {@link #due} visits
 * only heap entries whose deadline has passed (stale entries of replicas heard since are dropped
 * there). A restart forgets the exact {@code lastSeen} of every replica: {@link #restored} gives
 * each a fresh grace of {@code offlineAfter} from the first clock value after the start, so a
 * restart delays OFFLINE by at most {@code offlineAfter} and never declares it falsely.
 */
final class LivenessClock {

    /** A gap between sweeps longer than this means the processing thread was busy, not the input idle. */
    static final Duration BUSY_GAP = Duration.ofSeconds(3);

    private record Deadline(Instant lastSeen, String replica) {
    }

    private final Duration offlineAfter;
    private final Map<String, Instant> lastSeen = new HashMap<>();
    private final Set<String> silent = new HashSet<>();
    /** Restored live replicas not heard since the restart: their grace starts at the first clock value. */
    private final Set<String> awaitingGrace = new HashSet<>();
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>(
            (a, b) -> a.lastSeen().compareTo(b.lastSeen()));
    private Instant clock;
    private Instant lastProcessedAt;
    private Instant lastDueAt;

    /** A clock that starts at {@code wallNow} with nothing processed yet. */
    LivenessClock(Duration offlineAfter, Instant wallNow) {
        this.offlineAfter = Objects.requireNonNull(offlineAfter, "offlineAfter");
        this.lastProcessedAt = Objects.requireNonNull(wallNow, "wallNow");
    }

    /**
     * A replica known from before a restart: {@code wasSilent} as last declared. A live one gets
     * a grace period: it is judged as if last seen at the later of its stored {@code lastSeen} and
     * the first clock value after the restart.
     */
    void restored(String replica, Instant storedLastSeen, boolean wasSilent) {
        if (wasSilent) {
            silent.add(replica);
            lastSeen.put(replica, storedLastSeen);
        } else {
            lastSeen.put(replica, storedLastSeen);
            awaitingGrace.add(replica);
        }
    }

    /**
     * A record from {@code replica} stamped {@code seenAt} was processed at {@code wallNow}.
     *
     * @return true iff the replica was silent and is back
     */
    boolean heard(String replica, Instant seenAt, Instant wallNow) {
        Instant at = seenAt.isAfter(wallNow) ? wallNow : seenAt;
        lastProcessedAt = wallNow;
        if (clock == null || at.isAfter(clock)) {
            clock = at;
        }
        Instant before = lastSeen.get(replica);
        boolean graced = awaitingGrace.remove(replica);
        if (before == null || at.isAfter(before) || graced) {
            lastSeen.put(replica, at);
            deadlines.add(new Deadline(at, replica));
        }
        return silent.remove(replica);
    }

    /** The replica deregistered: it is neither live nor silent any more. */
    void forget(String replica) {
        lastSeen.remove(replica);
        silent.remove(replica);
        awaitingGrace.remove(replica);
    }

    /** True iff the replica was declared silent and has not been heard since. */
    boolean isSilent(String replica) {
        return silent.contains(replica);
    }

    /** The clock at {@code wallNow}; empty until anything was processed or the input was idle long enough. */
    Optional<Instant> clockAt(Instant wallNow) {
        Instant c = clock;
        if (Duration.between(lastProcessedAt, wallNow).compareTo(offlineAfter) >= 0
                && (c == null || wallNow.isAfter(c))) {
            c = wallNow;
        }
        return Optional.ofNullable(c);
    }

    /**
     * The replicas that fell silent by {@code wallNow}, each reported once until heard again.
     */
    List<String> due(Instant wallNow) {
        if (lastDueAt != null && Duration.between(lastDueAt, wallNow).compareTo(BUSY_GAP) > 0
                && wallNow.isAfter(lastProcessedAt)) {
            lastProcessedAt = wallNow;
        }
        lastDueAt = wallNow;
        Optional<Instant> now = clockAt(wallNow);
        if (now.isEmpty()) {
            return List.of();
        }
        Instant c = now.get();
        clock = c;
        if (!awaitingGrace.isEmpty()) {
            // The first clock value after a restart starts the grace of the restored replicas.
            for (String replica : awaitingGrace) {
                lastSeen.put(replica, c);
                deadlines.add(new Deadline(c, replica));
            }
            awaitingGrace.clear();
        }
        List<String> fell = new ArrayList<>();
        while (!deadlines.isEmpty() && Duration.between(deadlines.peek().lastSeen(), c).compareTo(offlineAfter) > 0) {
            Deadline d = deadlines.poll();
            if (d.lastSeen().equals(lastSeen.get(d.replica())) && silent.add(d.replica())) {
                fell.add(d.replica());
            }
        }
        return fell;
    }

    /** The {@code lastSeen} of a known replica, as last heard. */
    Optional<Instant> lastSeen(String replica) {
        return Optional.ofNullable(lastSeen.get(replica));
    }
}
