package org.icbd.rcs.replica.step;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.Sources;

/** How one step ended: its version promoted, or a classified failure. */
public sealed interface StepResult permits StepResult.Applied, StepResult.Failed {

    /** Stream bytes received, as on the wire (compressed when LZ4). */
    long wireBytes();

    /** The step's wall time. */
    Duration elapsed();

    /** The id of the source the step was pulled from ({@link Sources#MASTER} or a trusted peer's). */
    String source();

    /**
     * The version is in {@code versions/}, verified (read-only, received uuid = the step's uuid).
     *
     * @param promoted    the version as the pool now holds it
     * @param streamBytes the btrfs send stream's own bytes (after LZ4 decoding), when the runner counted them
     * @param source      the id of the source it was pulled from
     */
    record Applied(HeldVersion promoted, long wireBytes, OptionalLong streamBytes, StepTimings timings,
                   String source) implements StepResult {

        /** Pulled from the master. */
        public Applied(HeldVersion promoted, long wireBytes, OptionalLong streamBytes, StepTimings timings) {
            this(promoted, wireBytes, streamBytes, timings, Sources.MASTER);
        }

        public Applied {
            Fields.name(source, "source");
            Objects.requireNonNull(promoted, "promoted");
            Objects.requireNonNull(streamBytes, "streamBytes");
            Objects.requireNonNull(timings, "timings");
            if (wireBytes < 0) {
                throw new IllegalArgumentException("wireBytes must not be negative, got " + wireBytes);
            }
        }

        @Override
        public Duration elapsed() {
            return timings.total();
        }
    }

    /**
     * Nothing was promoted and staging is empty again; {@code failure}'s class says whether the step
     * is worth retrying.
     *
     * @param wireBytes what had arrived when it failed
     * @param elapsed   from the step's start until it failed
     * @param source    the id of the source it was pulled from
     */
    record Failed(StepFailure failure, long wireBytes, Duration elapsed, String source) implements StepResult {

        /** Pulled from the master. */
        public Failed(StepFailure failure, long wireBytes, Duration elapsed) {
            this(failure, wireBytes, elapsed, Sources.MASTER);
        }

        public Failed {
            Fields.name(source, "source");
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(elapsed, "elapsed");
            if (wireBytes < 0) {
                throw new IllegalArgumentException("wireBytes must not be negative, got " + wireBytes);
            }
        }
    }
}
