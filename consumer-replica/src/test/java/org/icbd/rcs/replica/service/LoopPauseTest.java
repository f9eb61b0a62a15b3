package org.icbd.rcs.replica.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.icbd.rcs.replica.apply.Backoff;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LoopPauseTest {

    private final LoopPause pause = new LoopPause(Duration.ofMillis(100), Duration.ofSeconds(1));

    @ParameterizedTest(name = "after {0} failures: {1} ms")
    @CsvSource({
            "-2147483648, 100",
            "-1, 100",
            "0, 100",
            "1, 100",
            "2, 200",
            "4, 800",
            "5, 1000", // 1600 ms capped at max
            "64, 1000",
            "2147483647, 1000",
    })
    void doublesUpToTheMaxForEveryCount(int failures, long millis) {
        assertEquals(Duration.ofMillis(millis), pause.after(failures));
    }

    @Test
    void takesTheStepBackoffsDelaysButNotItsAttemptCount() {
        LoopPause single = LoopPause.of(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 1));
        assertEquals(Duration.ofSeconds(1), single.after(1));
        assertEquals(Duration.ofSeconds(60), single.after(1000));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new LoopPause(Duration.ZERO, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new LoopPause(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
