package org.icbd.rcs.replica.apply;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Optional;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.replica.pull.MasterExitStatus;

/**
 * Decides whether a failed step is worth retrying. Pure: observations in, a {@link StepFailure}
 * out. The rules, in order:
 *
 * <ul>
 *   <li>the service stopping, a stalled stream, a lost or refused connection, a timeout and a busy
 *       master are TRANSIENT: the same request can succeed later;
 *   <li>a refused request, a rejected host key or identity, a stream btrfs rejects while the master
 *       said it was complete (corruption), a full disk (ENOSPC), a missing parent and a verification
 *       mismatch are PERMANENT: repeating the same request fails the same way.
 * </ul>
 *
 * A stream is complete only when the master ended the channel with status 0: a receive that
 * succeeded on a channel without exit status is still failed, since nothing proves the master
 * meant the stream to end there. A receive that fails while the channel is still healthy is the
 * receiver rejecting what the master sent (corruption, a wrong parent, a full disk).
 */
public final class FailureClassifier {

    private FailureClassifier() {
    }

    /**
     * The failure of one transfer, or empty when it succeeded (the master exited 0 and btrfs receive
     * accepted the stream).
     *
     * @param what the step as a phrase, e.g. {@code "pulling ubuntu version 3 (delta from 2) from m:2222"}
     */
    public static Optional<StepFailure> classify(String what, StreamOutcome o) {
        String after = " after " + o.wireBytes() + " bytes";
        String master = o.masterReason().isBlank() ? "" : " (master: " + o.masterReason().strip() + ")";
        Throwable cause = o.receiveError().orElse(null);
        if (o.stopping()) {
            return Optional.of(new StepFailure(ErrorClass.TRANSIENT, what + " was abandoned" + after
                    + ": the replica service is stopping; the task is redelivered when it starts again", cause));
        }
        if (o.stalled()) {
            return Optional.of(new StepFailure(ErrorClass.TRANSIENT, what + " stalled" + after
                    + ": no data arrived within the stall timeout" + master
                    + "; check the master and the network", cause));
        }
        if (o.masterExit().isPresent() && o.masterExit().get() != MasterExitStatus.OK) {
            int exit = o.masterExit().get();
            ErrorClass errorClass = MasterExitStatus.classify(exit);
            String next = errorClass == ErrorClass.TRANSIENT ? "" : "; fix the master or the task, then replan";
            return Optional.of(new StepFailure(errorClass, what + " failed" + after + ": "
                    + MasterExitStatus.describe(exit) + master + next, cause));
        }
        if (o.connectionLost()) {
            return Optional.of(new StepFailure(ErrorClass.TRANSIENT, what + " failed" + after
                    + ": the connection was lost before the master ended the stream" + master
                    + describe(cause), cause));
        }
        if (cause != null) {
            if (isDiskFull(cause)) {
                return Optional.of(new StepFailure(ErrorClass.PERMANENT, what + " failed" + after
                        + ": the replica's pool is full (ENOSPC)" + describe(cause)
                        + "; free space or lower keep, then replan", cause));
            }
            return Optional.of(new StepFailure(ErrorClass.PERMANENT, what + " failed" + after
                    + ": btrfs receive rejected the stream" + describe(cause)
                    + "; the stream is corrupt or does not apply to this replica's parent", cause));
        }
        if (o.masterExit().isEmpty()) {
            return Optional.of(new StepFailure(ErrorClass.TRANSIENT, what + " failed" + after
                    + ": the master did not confirm the end of the stream with an exit status" + master, null));
        }
        return Optional.empty();
    }

    /** The failure to reach the master, to authenticate, or to open the channel. */
    public static StepFailure classifyConnect(String what, Throwable e) {
        String text = messages(e).toLowerCase(Locale.ROOT);
        if (text.contains("server key did not validate")) {
            return new StepFailure(ErrorClass.PERMANENT, what + " failed: the master's host key does not match"
                    + " the pinned key (icbd.replica.master.host-key[-file]); check which host answers, or pin"
                    + " the right key", e);
        }
        if (text.contains("no more authentication methods") || text.contains("authentication")
                && !text.contains("timeout")) {
            return new StepFailure(ErrorClass.PERMANENT, what + " failed: the master did not accept this"
                    + " replica's key (icbd.replica.ssh.private-key-file); authorise its public key on the master"
                    + describe(e), e);
        }
        if (isConnectionProblem(e) || text.contains("timeout") || text.contains("timed out")) {
            return new StepFailure(ErrorClass.TRANSIENT, what + " failed: the master could not be reached"
                    + describe(e), e);
        }
        return new StepFailure(ErrorClass.PERMANENT, what + " failed" + describe(e), e);
    }

    /** Valid iff some cause says the filesystem ran out of space. */
    static boolean isDiskFull(Throwable e) {
        String text = messages(e).toLowerCase(Locale.ROOT);
        return text.contains("no space left on device") || text.contains("enospc");
    }

    /** Walks the cause chain: a lost, refused, reset or timed-out connection. */
    static boolean isConnectionProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof SocketException
                    || t instanceof EOFException || t instanceof ClosedChannelException
                    || t instanceof InterruptedIOException) {
                return true;
            }
            if (t instanceof IOException && t.getClass().getName().startsWith("org.apache.sshd")) {
                return true;
            }
        }
        return false;
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
            for (Throwable s : t.getSuppressed()) {
                b.append(s.getClass().getSimpleName()).append(": ").append(s.getMessage()).append('\n');
            }
        }
        return b.toString();
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "";
        }
        String m = e.getMessage();
        return " (" + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip().replace('\n', ' ')) + ")";
    }
}
