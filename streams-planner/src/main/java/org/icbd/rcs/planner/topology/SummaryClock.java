package org.icbd.rcs.planner.topology;

import java.time.Duration;
import java.time.Instant;

/**
 * When a processor's counts are due for their summary line at INFO: every {@link #EVERY}, by the
 * time the processor is given (per-pair lines are DEBUG; at fleet scale INFO says counts).
 */
final class SummaryClock {

    static final Duration EVERY = Duration.ofSeconds(10);

    private Instant since;

    /**
     * The whole seconds since the last summary when one is due at {@code now}, which then starts the
     * next interval; -1 when none is due yet.
     */
    long due(Instant now) {
        if (since == null) {
            since = now;
        }
        Duration elapsed = Duration.between(since, now);
        if (elapsed.compareTo(EVERY) < 0) {
            return -1;
        }
        since = now;
        return elapsed.toSeconds();
    }
}
