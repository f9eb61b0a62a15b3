package org.icbd.rcs.planner.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.icbd.rcs.events.TransferStep;
import org.junit.jupiter.api.Test;

class TaskLedgerTest {

    private static final String U1 = "00000000-0000-0000-0000-000000000001";
    private static final String U2 = "00000000-0000-0000-0000-000000000002";
    private static final String U3 = "00000000-0000-0000-0000-000000000003";
    private static final TransferStep FULL_1 = TransferStep.full(1, U1);
    private static final TransferStep D_1_2 = TransferStep.delta(1, U1, 2, U2);
    private static final TransferStep D_2_3 = TransferStep.delta(2, U2, 3, U3);

    private static final TaskLedger.Outstanding TASK = new TaskLedger.Outstanding("r/i/1", List.of(),
            List.of(FULL_1, D_1_2, D_2_3), Instant.EPOCH, "no report", Instant.EPOCH);

    @Test
    void aTaskCarriesItsOwnPlanForTheSameHoldings() {
        assertTrue(TASK.carries(List.of(FULL_1, D_1_2, D_2_3), List.of()));
        assertFalse(TASK.carries(List.of(FULL_1, D_1_2, D_2_3), List.of(7)), "holdings changed: the replica refuses it");
    }

    @Test
    void aTaskCarriesTheTailThatRemainsAfterItsFirstSteps() {
        assertTrue(TASK.carries(List.of(D_1_2, D_2_3), List.of(1)));
        assertTrue(TASK.carries(List.of(D_2_3), List.of(1, 2)));
    }

    @Test
    void aTaskDoesNotCarryAnotherPlan() {
        assertFalse(TASK.carries(List.of(FULL_1, D_1_2), List.of()));
        assertFalse(TASK.carries(List.of(TransferStep.delta(1, U1, 3, U3)), List.of(1)));
        assertFalse(TASK.carries(List.of(), List.of(1, 2, 3)));
    }
}
