package org.icbd.rcs.master.stream;

/**
 * A request for a part of a stored stream that cannot be served: the client starts again from
 * offset 0. The message says which case it is and what to do.
 */
public final class StreamRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why an offset was refused. */
    public enum Reason {
        /** The step's stream is not stored (evicted, removed, never produced here, or the master restarted mid-production). */
        NOT_STORED,
        /** The offset is beyond the stored stream's length. */
        PAST_END
    }

    private final Reason reason;

    public StreamRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
