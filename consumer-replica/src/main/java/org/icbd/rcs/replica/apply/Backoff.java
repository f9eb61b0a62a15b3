package org.icbd.rcs.replica.apply;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Bounded exponential backoff for TRANSIENT failures: the delay after the k-th failed attempt is
 * {@code min(max, initial * 2^(k-1))}, and there is no attempt after the {@code maxAttempts}-th.
 *
 * <p>{@link TaskApplier} keeps retrying a TRANSIENT failure after the last attempt, every {@code max}.
 *
 * @param maxAttempts attempts with a growing delay, the first included; at least 1
 */
public record Backoff(Duration initial, Duration max, int maxAttempts) {

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive, got " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max backoff " + max + " must not be shorter than initial " + initial);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
    }

    /**
     * How long to wait after attempt {@code failedAttempt} (1-based) failed transiently; empty when
     * it was the last attempt allowed.
     */
    public Optional<Duration> delayAfter(int failedAttempt) {
        if (failedAttempt < 1) {
            throw new IllegalArgumentException("attempts are counted from 1, got " + failedAttempt);
        }
        if (failedAttempt >= maxAttempts) {
            return Optional.empty();
        }
        // Doubling stops once it passes max; the shift is capped so that it can never overflow.
        Duration delay = initial;
        for (int i = 1; i < failedAttempt && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return Optional.of(delay.compareTo(max) > 0 ? max : delay);
    }
}
