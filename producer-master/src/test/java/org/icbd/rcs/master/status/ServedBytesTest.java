package org.icbd.rcs.master.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.StepReport;
import org.junit.jupiter.api.Test;

/** Where each pair's last step came from, and the bytes the master and each peer served. */
class ServedBytesTest {

    private static final Instant T = Instant.parse("2026-11-22T10:15:30Z");

    private static ReplicaImageState state(String replica, List<Integer> held, StepReport step) {
        return ReplicaImageState.of(replica, "ubuntu", held.stream()
                .map(v -> new HeldVersion(v, "00000000-0000-0000-0000-00000000000" + v)).toList(),
                Optional.of(step), Optional.empty(), T);
    }

    @Test
    void appliedStepsCountOnceForTheirSourceAndTheTableShowsTheLastStepsSource() {
        StatusBoard board = new StatusBoard();
        assertEquals(Map.of("master", 0L), board.served());
        board.applyState("a/ubuntu", state("a", List.of(1), StepReport.applied("a/ubuntu/1", 1, 5_000_000, 10)));
        // Every later state repeats the last step: counted once.
        board.applyState("a/ubuntu", state("a", List.of(1), StepReport.applied("a/ubuntu/1", 1, 5_000_000, 10)));
        board.applyState("b/ubuntu", state("b", List.of(1), StepReport.applied("b/ubuntu/1", 1, 5_000_000, 10)
                .withSource("a")));
        board.applyState("c/ubuntu", state("c", List.of(), StepReport.failed("c/ubuntu/1", 1, ErrorClass.TRANSIENT,
                "connection refused", 1_000_000, 10).withSource("a")));
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("master", 5_000_000L);
        expected.put("a", 5_000_000L);
        assertEquals(expected, board.served());
        assertEquals("served: master 5.0 MB, a 5.0 MB", board.servedLine());

        board.apply("b/ubuntu", StatusBoardTest.status("b", "ubuntu", ReplicationState.IN_SYNC, List.of(1), 1,
                Optional.empty()));
        board.apply("c/ubuntu", StatusBoardTest.status("c", "ubuntu", ReplicationState.FAILED, List.of(1), 1,
                Optional.of("connection refused")));
        String[] lines = board.render().split("\n");
        assertTrue(lines[0].contains("LAST APPLIED  LAST STEP"), lines[0]);
        assertTrue(lines[1].matches("b .* v1 from a +-"), lines[1]);
        assertTrue(lines[2].matches("c .* v1 FAILED from a +connection refused"), lines[2]);
    }
}
