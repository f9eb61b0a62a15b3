package org.icbd.rcs.replica.step;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.exception.SshChannelException;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.replica.pull.MasterExitStatus;
import org.icbd.rcs.replica.pull.StreamOutcome;

/**
 * Decides whether a failed step is worth retrying. Pure: observations in, a {@link StepFailure}
 * out. The rules, in order:
 *
 * <ul>
 *   <li>the service stopping, a stalled stream, a lost or refused connection, a timeout and a busy
 *       master are TRANSIENT: the same request can succeed later; so is a full pool (ENOSPC), which
 *       frees up by retention or by hand;
 *   <li>a refused request, a rejected host key or identity, a stream btrfs rejects while the master
 *       said it was complete (corruption), a missing parent and a verification
 *       mismatch are PERMANENT: repeating the same request fails the same way (a version line or
 *       key exchange damaged on the wire is TRANSIENT: it fails the same way as a real mismatch).
 * </ul>
 *
 * A stream is complete only when the master ended the channel with status 0: a receive that
 * succeeded on a channel without exit status is still failed, since nothing proves the master
 * meant the stream to end there. A receive that fails while the channel is still healthy is the
 * receiver rejecting what the master sent (corruption, a wrong parent, a full disk).
 *
 * <p>SSH failures are told apart by type along the cause chain, never by their text: an {@link
 * SshException}'s disconnect code ({@code SSH2_DISCONNECT_*}, which MINA keeps when a future's
 * {@code verify} rethrows), a {@link SshChannelOpenException}'s reason code, and the JDK's socket
 * and timeout exceptions ({@code SocketTimeoutException} is an {@code InterruptedIOException}).
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
                // Space comes back (retention, an operator): retried like any transient cause.
                return Optional.of(new StepFailure(ErrorClass.TRANSIENT, what + " failed" + after
                        + ": the replica's pool is full (ENOSPC)" + describe(cause)
                        + "; free space or lower keep: the step is retried until it fits", cause));
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
        Optional<Integer> disconnect = disconnectCode(e);
        if (disconnect.isPresent()) {
            int code = disconnect.get();
            switch (code) {
                case SshConstants.SSH2_DISCONNECT_HOST_KEY_NOT_VERIFIABLE:
                    return new StepFailure(ErrorClass.PERMANENT, what + " failed: the master's host key does not"
                            + " match the pinned key (icbd.replica.master.host-key[-file]); check which host answers,"
                            + " or pin the right key", e);
                case SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                        SshConstants.SSH2_DISCONNECT_AUTH_CANCELLED_BY_USER,
                        SshConstants.SSH2_DISCONNECT_ILLEGAL_USER_NAME:
                    return new StepFailure(ErrorClass.PERMANENT, what + " failed: the master did not accept this"
                            + " replica's key (icbd.replica.ssh.private-key-file) for its user"
                            + " (icbd.replica.ssh.user); authorise its public key on the master" + describe(e), e);
                case SshConstants.SSH2_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT:
                    return new StepFailure(ErrorClass.PERMANENT, what + " failed: the master does not allow"
                            + " connections from this host" + describe(e) + "; check the master's access rules", e);
                case SshConstants.SSH2_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED:
                    // The version lines are exchanged in plain text: a byte damaged on the wire
                    // ("SSH-2.4-...") reads as a version the other side does not speak. Retry, and
                    // say what to check if it lasts.
                    return new StepFailure(ErrorClass.TRANSIENT, what + " failed: the master and this replica share"
                            + " no SSH protocol version" + describe(e) + "; retried, since a damaged connection fails"
                            + " it too; if it lasts, check both sides' SSH software", e);
                case SshConstants.SSH2_DISCONNECT_KEY_EXCHANGE_FAILED:
                    // Bytes damaged on the wire fail the exchange (its signature) exactly as a missing
                    // common algorithm does, and MINA gives both the one code: retry, and say what to
                    // check if it lasts.
                    return new StepFailure(ErrorClass.TRANSIENT, what + " failed: the SSH key exchange with the"
                            + " master failed" + describe(e) + "; retried, since a damaged connection fails it too;"
                            + " if it persists, check that both sides share a key exchange, cipher and MAC", e);
                default:
                    // Connection lost, closed by the master, too many connections, a protocol, MAC or
                    // compression error on the wire, a service not available yet: the next try may pass.
                    return new StepFailure(ErrorClass.TRANSIENT, what + " failed: the master ended the SSH"
                            + " connection (disconnect reason " + code + ")" + describe(e), e);
            }
        }
        Optional<Integer> openRefused = channelOpenReason(e);
        if (openRefused.isPresent()) {
            if (openRefused.get() == SshConstants.SSH_OPEN_RESOURCE_SHORTAGE) {
                return new StepFailure(ErrorClass.TRANSIENT, what + " failed: the master has no resources for"
                        + " another channel now" + describe(e), e);
            }
            return new StepFailure(ErrorClass.PERMANENT, what + " failed: the master refused to open the exec"
                    + " channel (reason " + openRefused.get() + ")" + describe(e)
                    + "; check that the master runs the icbd send service on that port", e);
        }
        if (isConnectionProblem(e)) {
            return new StepFailure(ErrorClass.TRANSIENT, what + " failed: the master could not be reached"
                    + describe(e), e);
        }
        return new StepFailure(ErrorClass.PERMANENT, what + " failed" + describe(e), e);
    }

    /**
     * The first non-zero disconnect code in the cause chain: MINA sets one on the failures that end a
     * session for a stated reason (a host key not verified, no authentication method left).
     */
    static Optional<Integer> disconnectCode(Throwable e) {
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof SshException ssh && ssh.getDisconnectCode() != 0) {
                return Optional.of(ssh.getDisconnectCode());
            }
        }
        return Optional.empty();
    }

    /** The reason code of a refused channel open ({@code SSH_OPEN_*}) in the cause chain. */
    static Optional<Integer> channelOpenReason(Throwable e) {
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof SshChannelOpenException open) {
                return Optional.of(open.getReasonCode());
            }
        }
        return Optional.empty();
    }

    /**
     * Walks the cause chain: a lost, refused, reset or timed-out connection, a name that did not
     * resolve, or an SSH session or channel that closed without a stated reason.
     */
    static boolean isConnectionProblem(Throwable e) {
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof SocketException
                    || t instanceof InterruptedIOException || t instanceof TimeoutException
                    || t instanceof EOFException || t instanceof ClosedChannelException
                    || t instanceof SshChannelException) {
                return true;
            }
        }
        // A session that ended without a disconnect code ("Session is closed", a verify timeout whose
        // cause MINA did not keep) is the connection going away, not a refusal.
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof SshException ssh && ssh.getDisconnectCode() == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Valid iff some cause says the filesystem ran out of space. This is btrfs receive's own stderr
     * (carried by the command's failure), the only place the receiving side states it.
     */
    static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = next(t)) {
            if (saysDiskFull(t)) {
                return true;
            }
            for (Throwable s : t.getSuppressed()) {
                if (saysDiskFull(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean saysDiskFull(Throwable t) {
        String m = t.getMessage();
        if (m == null) {
            return false;
        }
        String text = m.toLowerCase(Locale.ROOT);
        return text.contains("no space left on device") || text.contains("enospc");
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "";
        }
        String m = e.getMessage();
        return " (" + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip().replace('\n', ' ')) + ")";
    }
}
