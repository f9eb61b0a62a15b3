package org.icbd.rcs.replica.service;

import java.util.Objects;
import java.util.Optional;

/**
 * The task loop ended without being stopped: the replica no longer applies tasks, so it must not
 * look alive (its heartbeat stops) and its process exits non-zero for the service manager to
 * restart it.
 *
 * @param reason what ended it, for the log line that says why the process exits
 * @param cause  the failure that ended it; empty when the loop returned on its own
 */
public record TaskLoopDeath(String reason, Optional<Throwable> cause) {

    public TaskLoopDeath {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(cause, "cause");
    }
}
