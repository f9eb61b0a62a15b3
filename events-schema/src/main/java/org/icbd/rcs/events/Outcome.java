package org.icbd.rcs.events;

/** The result of one transfer step on a replica. */
public enum Outcome {
    /** Received, verified and promoted into {@code versions/}. */
    APPLIED,
    /** Nothing was promoted; the staging area was cleaned. */
    FAILED
}
