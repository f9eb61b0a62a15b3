package org.icbd.rcs.events;

/** Decides what happens after a failure: the replica retries transient errors by itself. */
public enum ErrorClass {
    /** Connection lost, timeout, master busy, a full disk: retried with backoff until it passes. */
    TRANSIENT,
    /** Refused request, verification mismatch: waits for a new task or an operator. */
    PERMANENT,
    /**
     * The stream that arrived is not the master's: its length or SHA-256 differs from what the master
     * recorded when it produced it. The bytes are discarded, nothing is promoted from them, and the
     * step is retried from its first byte with the same backoff as a transient failure.
     */
    CORRUPT
}
