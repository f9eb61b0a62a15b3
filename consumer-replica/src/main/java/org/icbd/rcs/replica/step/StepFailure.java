package org.icbd.rcs.replica.step;

import java.util.Objects;
import org.icbd.rcs.events.ErrorClass;

/**
 * A step that did not promote a version. The class decides what happens next (TRANSIENT, and CORRUPT
 * once the bad bytes are discarded: retried with backoff; PERMANENT: reported, then the replica waits
 * for a new task); the message says what
 * was tried, on what, and what to do next, and is what {@code ReplicaImageState.lastStep.error} carries.
 */
public final class StepFailure extends Exception {

    private static final long serialVersionUID = 1L;

    private final ErrorClass errorClass;

    public StepFailure(ErrorClass errorClass, String message) {
        this(errorClass, message, null);
    }

    public StepFailure(ErrorClass errorClass, String message, Throwable cause) {
        super(message, cause);
        this.errorClass = Objects.requireNonNull(errorClass, "errorClass");
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    /** Whether the step is worth retrying: a transient failure, or corrupt bytes that were discarded. */
    public boolean isTransient() {
        return errorClass == ErrorClass.TRANSIENT || errorClass == ErrorClass.CORRUPT;
    }
}
