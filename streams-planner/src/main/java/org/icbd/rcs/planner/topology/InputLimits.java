package org.icbd.rcs.planner.topology;

/**
 * Bounds on what one input record may carry, so that no record (forged or broken) can make the
 * planner's stores or outputs exceed what a Kafka producer may send ({@code max.request.size},
 * 1 MiB by default). A record beyond a bound goes to {@code icbd.dead-letters} with the bound it
 * broke, and is never processed.
 *
 * <p>Valid iff every bound is positive. With the defaults the largest output stays far below
 * 1 MiB: a task carries at most {@code maxVersionsPerState} expected versions and
 * {@code maxStepsPerTask} steps (about 200 bytes each); a status at most {@code maxVersionsPerState}
 * held versions and one error out of a record of at most {@code maxRecordBytes}.
 *
 * @param maxRecordBytes      the largest input value read, in bytes
 * @param maxVersionsPerState the most versions one replica state may list
 * @param maxStepsPerTask     the most steps one task carries; a longer chain is sent as several
 *                            tasks, each issued when the replica reports the previous one applied
 */
public record InputLimits(int maxRecordBytes, int maxVersionsPerState, int maxStepsPerTask) {

    /** A quarter of a producer's default request size: room for the dead letter that quotes it. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 256 * 1024;
    /** A replica keeps a handful of versions per image; a thousand is far beyond any keep. */
    public static final int DEFAULT_MAX_VERSIONS_PER_STATE = 1000;
    /** A hundred deltas is a replica months behind on a busy image; the rest follows in the next task. */
    public static final int DEFAULT_MAX_STEPS_PER_TASK = 100;

    public static final InputLimits DEFAULTS = new InputLimits(DEFAULT_MAX_RECORD_BYTES,
            DEFAULT_MAX_VERSIONS_PER_STATE, DEFAULT_MAX_STEPS_PER_TASK);

    public InputLimits {
        positive(maxRecordBytes, "max-record-bytes");
        positive(maxVersionsPerState, "max-versions-per-state");
        positive(maxStepsPerTask, "max-steps-per-task");
    }

    private static void positive(int value, String setting) {
        if (value < 1) {
            throw new IllegalArgumentException(setting + " must be at least 1, got " + value);
        }
    }
}
