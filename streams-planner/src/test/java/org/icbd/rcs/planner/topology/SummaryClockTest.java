package org.icbd.rcs.planner.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SummaryClockTest {

    @Test
    void aSummaryIsDueEveryTenSecondsAndSaysHowLongItCovers() {
        SummaryClock clock = new SummaryClock();
        Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
        assertEquals(-1, clock.due(t0), "the first call starts the interval");
        assertEquals(-1, clock.due(t0.plusSeconds(9)));
        assertEquals(12, clock.due(t0.plusSeconds(12)));
        assertEquals(-1, clock.due(t0.plusSeconds(21)), "the next interval starts at the summary");
        assertEquals(10, clock.due(t0.plusSeconds(22)));
    }
}
