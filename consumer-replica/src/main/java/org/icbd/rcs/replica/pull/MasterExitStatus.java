package org.icbd.rcs.replica.pull;

import org.icbd.rcs.events.ErrorClass;

/**
 * The exit statuses the master's send service ends a channel with, as its protocol fixes them
 * (the master's {@code SendExitStatus}; a test keeps the two in step), and what each means to a
 * replica.
 */
public final class MasterExitStatus {

    /** The stream is complete. */
    public static final int OK = 0;
    /** The request was refused; nothing ran. Repeating it gets the same answer. */
    public static final int REFUSED = 2;
    /** Every send slot stayed busy for the master's whole queue timeout; nothing ran. */
    public static final int BUSY = 3;
    /** The master could not run or finish the send for a reason of its own; the stream is incomplete. */
    public static final int MASTER_FAILED = 4;
    /**
     * The offset asked for lies past the end of the stored stream, or in a stream no longer stored;
     * nothing was sent. The replica starts the step again from byte 0.
     */
    public static final int STREAM_REFUSED = 5;

    private MasterExitStatus() {
    }

    /**
     * The class of a non-zero status: busy and the master's own failures pass, a refusal does not, and
     * {@code btrfs send}'s own failure (any other status) would fail the same way again.
     */
    public static ErrorClass classify(int status) {
        if (status == OK) {
            throw new IllegalArgumentException("status 0 is success, not an error");
        }
        return status == BUSY || status == MASTER_FAILED ? ErrorClass.TRANSIENT : ErrorClass.PERMANENT;
    }

    /** A few words for messages: what the status says happened on the master. */
    public static String describe(int status) {
        return switch (status) {
            case OK -> "the stream is complete";
            case REFUSED -> "the master refused the request";
            case BUSY -> "the master was busy (no send slot came free)";
            case MASTER_FAILED -> "the master could not run or finish the send";
            case STREAM_REFUSED -> "the master refused the offset (past the end, or the stream is no longer stored)";
            default -> "btrfs send failed on the master (exit " + status + ")";
        };
    }
}
