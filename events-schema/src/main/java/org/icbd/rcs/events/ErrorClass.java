package org.icbd.rcs.events;

/** Decides what happens after a failure: the replica retries transient errors by itself. */
public enum ErrorClass {
    /** Connection lost, timeout, master busy: retried with bounded backoff. */
    TRANSIENT,
    /** Refused request, verification mismatch, disk full: waits for a new task or an operator. */
    PERMANENT
}
