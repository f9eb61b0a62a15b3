package org.icbd.rcs.planner.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class LivenessClockTest {

    private static final Duration OFFLINE_AFTER = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-03-02T08:00:00Z");

    private static Instant t(long seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void aReplicaIsSilentWhenOtherReplicasHeartbeatsMoveTheClockPastItsDeadline() {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(0));
        clock.heard("a", t(0), t(0));
        clock.heard("b", t(0), t(0));
        clock.heard("b", t(30), t(30));
        assertEquals(List.of(), clock.due(t(30)), "exactly offline-after is not yet silent");
        clock.heard("b", t(31), t(31));
        assertEquals(List.of("a"), clock.due(t(31)));
        assertEquals(List.of(), clock.due(t(60)), "reported once");
        assertTrue(clock.isSilent("a"));
        assertTrue(clock.heard("a", t(61), t(61)), "back");
        assertFalse(clock.isSilent("a"));
    }

    @Test
    void aBacklogIsNotAnOutage() {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(0));
        // The planner reads heartbeats stamped 0..100 s only at wall time 200..300 s: far behind,
        // but every replica heartbeats every 10 s, so none is silent.
        for (int s = 0; s <= 100; s += 10) {
            clock.heard("a", t(s), t(200 + s));
            clock.heard("b", t(s), t(200 + s));
            assertEquals(List.of(), clock.due(t(200 + s)));
        }
    }

    @Test
    void anIdleInputFollowsTheWallClock() {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(0));
        clock.heard("a", t(0), t(0));
        for (int s = 1; s <= 30; s++) {
            assertEquals(List.of(), clock.due(t(s)), "at " + s + " s");
        }
        assertEquals(List.of("a"), clock.due(t(31)));
    }

    @Test
    void aThreadBusyElsewhereIsNotAnIdleInput() {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(0));
        clock.heard("a", t(0), t(0));
        clock.heard("b", t(0), t(0));
        assertEquals(List.of(), clock.due(t(1)));
        // The thread comes back to this partition's sweep only 40 s later: that is no idle input.
        assertEquals(List.of(), clock.due(t(41)));
        clock.heard("a", t(10), t(41));
        assertEquals(List.of(), clock.due(t(42)));
    }

    @Test
    void aClockRunningAheadMovesTheClockNoFurtherThanNow() {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(0));
        clock.heard("a", t(0), t(0));
        clock.heard("fast", t(3600), t(1));
        assertEquals(List.of(), clock.due(t(1)));
    }

    @Test
    void aRestartGivesLiveReplicasAGraceAndKeepsSilentOnesSilent() {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(100));
        clock.restored("live", t(0), false);
        clock.restored("gone", t(0), true);
        clock.heard("other", t(100), t(100));
        assertEquals(List.of(), clock.due(t(100)), "the grace starts at the first clock value");
        assertTrue(clock.isSilent("gone"));
        clock.heard("other", t(131), t(131));
        assertEquals(List.of("live"), clock.due(t(131)));
        assertTrue(clock.heard("gone", t(132), t(132)));
    }

    @Test
    void aForgottenReplicaIsNeverReported() {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(0));
        clock.heard("a", t(0), t(0));
        clock.forget("a");
        assertEquals(List.of(), clock.due(t(100)));
    }

    /**
     * Whatever the planner's processing delay (constant or growing), replicas that heartbeat more
     * often than offline-after, read in order, are never declared silent, and a replica that
     * stops is declared silent exactly once.
     */
    @Property
    void onlySilentReplicasAreReported(@ForAll @IntRange(min = 1, max = 29) int interval,
                                       @ForAll @IntRange(min = 0, max = 500) int delay,
                                       @ForAll @IntRange(min = 0, max = 3) int growth,
                                       @ForAll @IntRange(min = 2, max = 6) int replicas) {
        LivenessClock clock = new LivenessClock(OFFLINE_AFTER, t(0));
        List<String> reported = new ArrayList<>();
        int stopAt = 300;
        Instant wall = t(0);
        for (int s = 0; s <= 600; s += interval) {
            wall = t(s + delay + (long) growth * s);
            for (int r = 0; r < replicas; r++) {
                if (r == 0 && s > stopAt) {
                    continue;
                }
                clock.heard("r" + r, t(s), wall);
            }
            reported.addAll(clock.due(wall));
        }
        // Then nothing arrives any more, and the sweeps run every second.
        for (int s = 1; s <= 2 * OFFLINE_AFTER.toSeconds(); s++) {
            reported.addAll(clock.due(wall.plusSeconds(s)));
        }
        List<String> expected = new ArrayList<>(List.of("r0"));
        for (int r = 1; r < replicas; r++) {
            expected.add("r" + r);
        }
        // r0 fell silent while the others heartbeated; the others only when everything stopped.
        assertEquals("r0", reported.get(0));
        assertEquals(expected.size(), reported.size());
        assertEquals(java.util.Set.copyOf(expected), java.util.Set.copyOf(reported));
    }
}
