package org.icbd.rcs.replica.step;

import java.time.Duration;
import java.util.Objects;

/**
 * Where one applied step spent its time; the three phases follow each other without gaps, so
 * {@link #total()} is the step's wall time.
 *
 * @param connect  from the step's start (the parent check included) until the exec channel was open:
 *                 TCP, key exchange, authentication, channel open
 * @param transfer from the open channel until the stream was received, drained to its end and the
 *                 master's exit status came
 * @param promote  verification and promotion into {@code versions/}
 */
public record StepTimings(Duration connect, Duration transfer, Duration promote) {

    public StepTimings {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(transfer, "transfer");
        Objects.requireNonNull(promote, "promote");
        if (connect.isNegative() || transfer.isNegative() || promote.isNegative()) {
            throw new IllegalArgumentException("phase durations must not be negative: connect " + connect
                    + ", transfer " + transfer + ", promote " + promote);
        }
    }

    public Duration total() {
        return connect.plus(transfer).plus(promote);
    }
}
