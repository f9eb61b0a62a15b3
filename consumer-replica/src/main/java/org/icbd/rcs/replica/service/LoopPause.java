package org.icbd.rcs.replica.service;

import java.time.Duration;
import java.util.Objects;
import org.icbd.rcs.replica.apply.Backoff;

/**
 * How long the task loop pauses after failures in a row under a task (a state not acknowledged, a
 * commit refused, the disk failing; not a failed step, which {@link Backoff} paces within its task):
 * {@code min(max, initial * 2^(n-1))} after the n-th. Defined for every count, so that the pause can
 * never be what ends the loop; there is no last attempt, since the task is the replica's work.
 */
public record LoopPause(Duration initial, Duration max) {

    public LoopPause {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial pause must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max pause " + max + " must not be shorter than initial " + initial);
        }
    }

    /** The same initial and longest delay as the step retries of {@code backoff}. */
    public static LoopPause of(Backoff backoff) {
        return new LoopPause(backoff.initial(), backoff.max());
    }

    /** The pause after {@code failures} failures in a row; a count below 1 counts as 1. */
    public Duration after(int failures) {
        Duration delay = initial;
        // Doubling stops once it reaches max, so it never overflows whatever the count.
        for (int i = 1; i < failures && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
