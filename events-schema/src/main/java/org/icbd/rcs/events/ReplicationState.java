package org.icbd.rcs.events;

/** The state an operator sees for one (replica, image) pair. */
public enum ReplicationState {
    /** The replica holds the newest live version. */
    IN_SYNC,
    /** Versions are missing and no transfer is running. */
    BEHIND,
    /** A task is in flight. */
    TRANSFERRING,
    /** The last step failed; {@code lastError} says why. */
    FAILED,
    /** Heartbeats stopped: what the replica holds is its last report. */
    OFFLINE;

    /** States a monitoring script should alarm on. */
    public boolean needsAttention() {
        return this == FAILED || this == OFFLINE;
    }
}
