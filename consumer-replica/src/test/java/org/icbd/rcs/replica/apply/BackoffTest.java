package org.icbd.rcs.replica.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 6);

    @ParameterizedTest(name = "after failed attempt {0}: {1} ms")
    @CsvSource({
            "1, 1000",
            "2, 2000",
            "3, 4000",
            "4, 8000",
            "5, 10000", // 16 s capped at max
    })
    void delaysDoubleUpToTheMax(int failedAttempt, long millis) {
        assertEquals(Optional.of(Duration.ofMillis(millis)), backoff.delayAfter(failedAttempt));
    }

    @Test
    void thereIsNoAttemptAfterTheLast() {
        assertEquals(Optional.empty(), backoff.delayAfter(6));
        assertEquals(Optional.empty(), backoff.delayAfter(7));
    }

    @Test
    void aSingleAttemptIsNeverRetried() {
        assertEquals(Optional.empty(), new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), 1).delayAfter(1));
    }

    @Test
    void hugeAttemptCountsNeverOverflow() {
        Backoff many = new Backoff(Duration.ofMillis(1), Duration.ofHours(1), Integer.MAX_VALUE);
        assertEquals(Optional.of(Duration.ofHours(1)), many.delayAfter(1_000_000));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 3));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 3));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0));
        assertThrows(IllegalArgumentException.class, () -> backoff.delayAfter(0));
    }
}
