package org.icbd.rcs.replica.step;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A step in flight, as its observer sees it.
 *
 * @param wireBytes   stream bytes received over this attempt's channel so far, as on the wire
 * @param streamBytes the step's stream bytes held in staging (a resumed attempt's earlier bytes included):
 *                    comparable with {@code totalBytes}
 * @param totalBytes  the whole stream's length as the master stored it; empty until known
 * @param startedAt   when the channel opened
 * @param at          when this was observed
 */
public record StepProgress(StepOrder order, long wireBytes, long streamBytes, OptionalLong totalBytes,
                           Instant startedAt, Instant at) {

    public StepProgress {
        Objects.requireNonNull(order, "order");
        Objects.requireNonNull(totalBytes, "totalBytes");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(at, "at");
    }

    /** A progress without a stream file: everything held came over this channel, the total unknown. */
    public StepProgress(StepOrder order, long wireBytes, Instant startedAt, Instant at) {
        this(order, wireBytes, wireBytes, OptionalLong.empty(), startedAt, at);
    }

    /** Wire bytes per second over this attempt, 0 before a millisecond passed. */
    public long bytesPerSecond() {
        long millis = Duration.between(startedAt, at).toMillis();
        return millis <= 0 ? 0 : wireBytes * 1000 / millis;
    }

    /**
     * The time left at the current rate, when the total is known and bytes are moving; zero once all
     * bytes are held.
     */
    public java.util.Optional<Duration> eta() {
        if (totalBytes.isEmpty()) {
            return java.util.Optional.empty();
        }
        long left = Math.max(0, totalBytes.getAsLong() - streamBytes);
        if (left == 0) {
            return java.util.Optional.of(Duration.ZERO);
        }
        long rate = bytesPerSecond();
        return rate <= 0 ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofSeconds((left + rate - 1) / rate));
    }
}
