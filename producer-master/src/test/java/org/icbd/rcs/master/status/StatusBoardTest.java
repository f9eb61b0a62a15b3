package org.icbd.rcs.master.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferProgress;
import org.junit.jupiter.api.Test;

class StatusBoardTest {

    private static final Instant T = Instant.parse("2026-11-22T10:15:30Z");

    static ReplicationStatus status(String replica, String image, ReplicationState state, List<Integer> have,
                                    int latest, Optional<String> error) {
        return ReplicationStatus.of(replica, "lab-110", image, Optional.of(latest), have, List.of(), state,
                latest - have.get(have.size() - 1), Optional.empty(), error, Optional.empty(), T);
    }

    @Test
    void rendersOneSortedRowPerPairWithRanges() {
        StatusBoard board = new StatusBoard();
        board.apply("r2/ubuntu", status("r2", "ubuntu", ReplicationState.BEHIND, List.of(1, 2), 3, Optional.empty()));
        board.apply("r1/ubuntu", status("r1", "ubuntu", ReplicationState.IN_SYNC, List.of(1, 2, 3, 5), 5,
                Optional.empty()));
        String[] lines = board.render().split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].startsWith("REPLICA  SITE     IMAGE   HAVE"), lines[0]);
        assertTrue(lines[1].matches("r1 +lab-110 +ubuntu +1-3,5 +5 +IN_SYNC +0 +- +- +-"), lines[1]);
        assertTrue(lines[2].matches("r2 +lab-110 +ubuntu +1,2 +3 +BEHIND +1 +- +- +-"), lines[2]);
        assertEquals(Optional.empty(), board.attentionSummary());
    }

    @Test
    void failedAndOfflinePairsNeedAttention() {
        StatusBoard board = new StatusBoard();
        board.apply("r1/ubuntu", status("r1", "ubuntu", ReplicationState.FAILED, List.of(1), 2,
                Optional.of("verify failed:\nreceived_uuid differs")));
        board.apply("r2/ubuntu", status("r2", "ubuntu", ReplicationState.OFFLINE, List.of(1), 2, Optional.empty()));
        board.apply("r3/ubuntu", status("r3", "ubuntu", ReplicationState.IN_SYNC, List.of(2), 2, Optional.empty()));
        assertEquals("2 pairs need attention: r1/ubuntu FAILED r2/ubuntu OFFLINE", board.attentionSummary().orElseThrow());
        assertTrue(board.render().contains("verify failed: received_uuid differs"), "errors are flattened to one line");
    }

    @Test
    void tombstonesRemoveAPairAndRepeatsAreNotChanges() {
        StatusBoard board = new StatusBoard();
        ReplicationStatus s = status("r1", "ubuntu", ReplicationState.IN_SYNC, List.of(1), 1, Optional.empty());
        assertTrue(board.apply("r1/ubuntu", s));
        assertFalse(board.apply("r1/ubuntu", s));
        assertTrue(board.apply("r1/ubuntu", null));
        assertTrue(board.isEmpty());
    }

    @Test
    void aTransferShowsItsProgress() {
        StatusBoard board = new StatusBoard();
        board.apply("r1/ubuntu", ReplicationStatus.of("r1", "lab-112", "ubuntu", Optional.of(3), List.of(1), List.of(2, 3),
                ReplicationState.TRANSFERRING, 2, Optional.empty(), Optional.empty(),
                Optional.of(new TransferProgress("t", 2, Optional.of(1), 52_400_000, 104_800_000, T)), T));
        assertTrue(board.render().contains("TRANSFERRING v2 52.4 MB @ 104.8 MB/s"), board.render());
    }

    @Test
    void aTransferWithAKnownTotalShowsItsEta() {
        StatusBoard board = new StatusBoard();
        board.apply("r1/ubuntu", ReplicationStatus.of("r1", "lab-112", "ubuntu", Optional.of(3), List.of(1), List.of(2, 3),
                ReplicationState.TRANSFERRING, 2, Optional.empty(), Optional.empty(),
                Optional.of(new TransferProgress("t", 2, Optional.of(1), 52_400_000, 10_480_000, T,
                        Optional.of(838_000_000L), Optional.of(75L))), T));
        assertTrue(board.render().contains("TRANSFERRING v2 52.4/838.0 MB @ 10.5 MB/s ETA 1m15s"), board.render());
        assertEquals("45s", StatusBoard.eta(45));
        assertEquals("3m05s", StatusBoard.eta(185));
        assertEquals("2h07m", StatusBoard.eta(2 * 3600 + 7 * 60 + 30));
    }

    @Test
    void rangesCompressRuns() {
        assertEquals("1-3,5,7,8", StatusBoard.ranges(List.of(1, 2, 3, 5, 7, 8)));
        assertEquals("4", StatusBoard.ranges(List.of(4)));
    }

    private static ReplicaRegistered seen(String replica, Instant lastSeen) {
        return ReplicaRegistered.of(replica, "lab-110", List.of(new Subscription("ubuntu", 2)), "icbd", "SHA256:x",
                "icbd 0.1.0", lastSeen);
    }

    @Test
    void anOfflineReplicaSilentPastTheLimitIsShownAsWillReseed() {
        Instant now = T.plus(Duration.ofDays(40));
        StatusBoard board = new StatusBoard(Clock.fixed(now, ZoneOffset.UTC), Duration.ofDays(30));
        board.applyRegistration("r1", seen("r1", T));
        board.applyRegistration("r2", seen("r2", now.minus(Duration.ofDays(30))));
        board.apply("r1/ubuntu", status("r1", "ubuntu", ReplicationState.OFFLINE, List.of(2), 5, Optional.empty()));
        board.apply("r2/ubuntu", status("r2", "ubuntu", ReplicationState.OFFLINE, List.of(2), 5, Optional.empty()));
        board.apply("r3/ubuntu", status("r3", "ubuntu", ReplicationState.BEHIND, List.of(2), 5, Optional.empty()));
        board.applyRegistration("r3", seen("r3", T));
        String[] lines = board.render().split("\n");
        assertTrue(lines[1].matches("r1 .* OFFLINE, will re-seed .*"), lines[1]);
        assertTrue(lines[2].matches("r2 .* OFFLINE +3 .*"), "exactly at the limit it still protects: " + lines[2]);
        assertFalse(lines[3].contains("re-seed"), "only OFFLINE pairs re-seed: " + lines[3]);
        board.applyRegistration("r1", null);
        assertFalse(board.render().contains("re-seed"), "a deregistered replica is not judged");
    }

    @Test
    void thePlannerIsSilentWithoutAHeartbeatOrWhenTheNewestIsTooOld() {
        Instant now = T.plusSeconds(100);
        StatusBoard board = new StatusBoard(Clock.fixed(now, ZoneOffset.UTC), Duration.ofDays(30));
        StatusBoard.PlannerHealth none = board.planner(Duration.ofSeconds(30));
        assertTrue(none.silent());
        assertTrue(none.warning().orElseThrow().startsWith("no planner heartbeat on icbd.planners"), none.toString());

        board.applyPlannerHeartbeat("icbd-planner/a", PlannerHeartbeat.of("icbd-planner", "a", "icbd-rcs 1", T));
        StatusBoard.PlannerHealth old = board.planner(Duration.ofSeconds(30));
        assertTrue(old.silent());
        assertEquals(Optional.of(Duration.ofSeconds(100)), old.age());
        assertTrue(old.warning().orElseThrow().startsWith("the planner has been silent for 1 min 40 s"), old.toString());

        board.applyPlannerHeartbeat("icbd-planner/b", PlannerHeartbeat.of("icbd-planner", "b", "icbd-rcs 1",
                now.minusSeconds(30)));
        StatusBoard.PlannerHealth fresh = board.planner(Duration.ofSeconds(30));
        assertFalse(fresh.silent(), "exactly at the threshold it is not silent yet");
        assertEquals(2, fresh.instances());
        assertEquals(Optional.empty(), fresh.warning());

        board.applyPlannerHeartbeat("icbd-planner/b", null);
        assertTrue(board.planner(Duration.ofSeconds(30)).silent(), "a stopped instance no longer counts");
        board.apply("r1/ubuntu", status("r1", "ubuntu", ReplicationState.IN_SYNC, List.of(1), 1, Optional.empty()));
        assertEquals("newest status 1 min 40 s old; planner heard 1 min 40 s ago (1 instance)",
                board.ageLine(Duration.ofSeconds(30)));
    }

    @Test
    void thePhoneBookListsEveryRegisteredReplicaOnlineOrOffline() {
        Instant now = T.plusSeconds(60);
        StatusBoard board = new StatusBoard(Clock.fixed(now, ZoneOffset.UTC), Duration.ofDays(30));
        board.applyRegistration("r2", seen("r2", T));
        board.applyRegistration("r1", seen("r1", now.minusSeconds(2)));
        board.applyRegistration("r3", ReplicaRegistered.of("r3", "lab-112", List.of(), "icbd", "SHA256:x",
                "icbd 0.2.0", now.minusSeconds(40)));
        board.applyRegistration("r4", ReplicaRegistered.of("r4", "lab-112", List.of(), "icbd", "SHA256:x",
                "icbd 0.2.0", now.minusSeconds(5)));
        board.apply("r1/ubuntu", status("r1", "ubuntu", ReplicationState.IN_SYNC, List.of(2), 2, Optional.empty()));
        board.apply("r2/ubuntu", status("r2", "ubuntu", ReplicationState.OFFLINE, List.of(2), 2, Optional.empty()));

        List<PhoneBookEntry> book = board.replicas(Duration.ofSeconds(30));
        assertEquals(List.of("r1", "r2", "r3", "r4"), book.stream().map(PhoneBookEntry::replicaId).toList());
        assertEquals(List.of("ONLINE", "OFFLINE", "OFFLINE", "ONLINE"), book.stream().map(PhoneBookEntry::state).toList(),
                "the planner's verdict where it has one, else the heartbeat's age against offline-after");
        assertEquals(60, book.get(1).lastSeenAgeSeconds());
        String[] lines = board.renderReplicas(Duration.ofSeconds(30)).split("\n");
        assertEquals(5, lines.length);
        assertTrue(lines[0].matches("REPLICA +SITE +SUBSCRIPTIONS +LAST SEEN +SOFTWARE +STATE"), lines[0]);
        assertTrue(lines[1].matches("r1 +lab-110 +ubuntu:2 +\\d{4}-\\d\\d-\\d\\d \\S+ \\(2 s ago\\) +icbd 0.1.0 +ONLINE"),
                lines[1]);
        assertTrue(lines[3].matches("r3 +lab-112 +- .*\\(40 s ago\\) +icbd 0.2.0 +OFFLINE"), lines[3]);
        board.applyRegistration("r3", null);
        assertEquals(3, board.replicas(Duration.ofSeconds(30)).size(), "a deregistered replica leaves the book");
    }

    @Test
    void agesReadLikeAPerson() {
        assertEquals("0 s", StatusBoard.human(Duration.ZERO));
        assertEquals("59 s", StatusBoard.human(Duration.ofSeconds(59)));
        assertEquals("1 min", StatusBoard.human(Duration.ofSeconds(60)));
        assertEquals("2 h 1 min", StatusBoard.human(Duration.ofMinutes(121)));
        assertEquals("3 d 4 h", StatusBoard.human(Duration.ofHours(76)));
    }
}
