package org.icbd.rcs.replica.step;

import java.time.Instant;
import java.util.Objects;

/**
 * A step in flight, as its observer sees it.
 *
 * @param wireBytes stream bytes received so far, as on the wire
 * @param startedAt when the channel opened
 * @param at        when this was observed
 */
public record StepProgress(StepOrder order, long wireBytes, Instant startedAt, Instant at) {

    public StepProgress {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(at, "at");
    }
}
