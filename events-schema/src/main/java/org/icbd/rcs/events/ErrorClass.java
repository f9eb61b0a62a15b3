package org.icbd.rcs.events;

/** Decides what happens after a failure: the replica retries transient errors by itself. */
public enum ErrorClass {
    /** Connection lost, timeout, master busy, a full disk: retried with backoff until it passes. */
    TRANSIENT,
    /** Refused request, verification mismatch: waits for a new task or an operator. */
    PERMANENT
}
