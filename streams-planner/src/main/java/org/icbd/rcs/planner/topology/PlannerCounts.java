package org.icbd.rcs.planner.topology;

/**
 * Told what the planner topology does, for its metrics: tasks issued, records sent to the dead
 * letters, and the time each input record took the per-image planner. Called on stream threads;
 * an implementation must be cheap, thread-safe and never throw. With exactly-once, work a failed
 * transaction redoes is counted again.
 */
public interface PlannerCounts {

    /** Counts nothing. */
    PlannerCounts NONE = new PlannerCounts() {
    };

    /** A task was forwarded to {@code icbd.replication-tasks}. */
    default void taskIssued() {
    }

    /**
     * A record was forwarded to {@code icbd.dead-letters}.
     *
     * @param source the input it came from ({@code replicas}, {@code replica-state}, {@code image-versions}),
     *               or {@code plan}, {@code deserialization}, {@code processing}
     */
    default void deadLettered(String source) {
    }

    /** The per-image planner took {@code nanos} for one input record. */
    default void processed(long nanos) {
    }
}
