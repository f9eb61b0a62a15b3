package org.icbd.rcs.replica.pull;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.icbd.rcs.codec.StreamCodec;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * One open exec channel carrying one send stream, and what was observed of it: bytes on the wire,
 * end of stream, a failed read, a stall, the exit status and the master's last stderr line. The
 * stream comes on the channel, or for a {@code transport=tcp} request on the plain TCP connection
 * the channel handed out ({@link TcpWire}); the verdict always comes on the channel. The channel's
 * session is shared with other steps ({@link SshSessions}): closing the channel leaves it open; a
 * stall drops it, since a silent connection may be a dead one.
 *
 * <p>{@link #abort()} may be called from any thread (a stopping service): it closes the channel at
 * once, and every later read of {@link #stream()} fails, so that the receive consuming it is killed
 * rather than fed a truncated stream that might look complete.
 */
public final class SendChannel implements AutoCloseable {

    /** How often {@link #checkStall()} should run: often enough to honour short stall timeouts. */
    public static final Duration STALL_CHECK = Duration.ofSeconds(1);

    /**
     * After a receive that failed mid-stream on a live channel, how long the master's own verdict is
     * glanced for: the master is still sending and would not end soon.
     */
    static final Duration VERDICT_AFTER_REJECT = Duration.ofSeconds(1);

    private final SshSessions.Lease lease;
    private final ChannelExec channel;
    private final TcpWire tcp;
    private final MasterStderr stderr;
    private final TransferRequest request;
    private final AtomicLong wireBytes = new AtomicLong();
    private final AtomicBoolean eof = new AtomicBoolean();
    private final AtomicBoolean stalled = new AtomicBoolean();
    private final AtomicBoolean aborted = new AtomicBoolean();
    private final AtomicReference<IOException> readFailure = new AtomicReference<>();
    private final InputStream wire;
    private final Duration stallTimeout;
    private final Duration verdictTimeout;
    /** When a read last returned, or the channel opened. */
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());

    /**
     * @param verdictTimeout how long the master's exit status is waited for once its stream ended
     */
    SendChannel(SshSessions.Lease lease, ChannelExec channel, MasterStderr stderr, TransferRequest request,
                Duration stallTimeout, Duration verdictTimeout, Optional<TcpWire> tcp) {
        this.lease = lease;
        this.channel = channel;
        this.tcp = tcp.orElse(null);
        this.stderr = stderr;
        this.request = request;
        this.stallTimeout = stallTimeout;
        this.verdictTimeout = verdictTimeout;
        this.wire = new Metered(tcp.isPresent() ? tcp.get() : channel.getInvertedOut());
    }

    public TransferRequest request() {
        return request;
    }

    /**
     * The stream as btrfs receive wants it: decoded by the request's codec. Reading an LZ4 stream's
     * header happens here, so this may block and throw like a read.
     */
    public InputStream stream() throws IOException {
        return StreamCodec.decoder(request.compression(), wire);
    }

    /** The stream as the master sends it: encoded with the request's codec, counted as wire bytes. */
    public InputStream wire() {
        return wire;
    }

    /** Stream bytes received so far, as on the wire (compressed when LZ4). Any thread. */
    public long wireBytes() {
        return wireBytes.get();
    }

    /** Whether the stream reached its end (the master closed its stdout). */
    public boolean reachedEnd() {
        return eof.get();
    }

    /** Whether the stream was abandoned by {@link #checkStall()}. */
    public boolean stalled() {
        return stalled.get();
    }

    /**
     * Abandons the channel if no byte arrived for the stall timeout; call it periodically from any
     * thread ({@link #STALL_CHECK}). Silence is tolerated without limit while the master holds the
     * request in its queue before the first byte: the master bounds that wait itself (it ends the
     * channel with BUSY after its queue timeout).
     *
     * @return whether the channel was abandoned now
     */
    public boolean checkStall() {
        if (aborted.get() || stalled.get() || eof.get()) {
            return false;
        }
        if (stderr.queued() && wireBytes.get() == 0) {
            return false;
        }
        if (System.nanoTime() - lastProgress.get() < stallTimeout.toNanos()) {
            return false;
        }
        stalled.set(true);
        closeTcp();
        channel.close(true);
        lease.broken();
        return true;
    }

    /** Whether {@link #abort()} was called. */
    public boolean aborted() {
        return aborted.get();
    }

    /** A read of the channel that failed on its own (not by a stall or an abort): the connection broke. */
    public Optional<IOException> readFailure() {
        return Optional.ofNullable(readFailure.get());
    }

    /** Whether the channel or its session was closed without this side asking: the connection is gone. */
    public boolean closedByPeer() {
        return !aborted.get() && !stalled.get()
                && (channel.isClosing() || channel.isClosed() || !lease.session().isOpen());
    }

    /** The master's last stderr line; empty if it wrote none. */
    public String masterReason() {
        return stderr.lastLine();
    }

    /**
     * Waits up to {@code timeout} for the master's exit status; empty when the channel closed without
     * one, or none came in time.
     */
    public Optional<Integer> awaitExit(Duration timeout) {
        Set<ClientChannelEvent> events = channel.waitFor(
                EnumSet.of(ClientChannelEvent.EXIT_STATUS, ClientChannelEvent.CLOSED), timeout.toMillis());
        Integer status = channel.getExitStatus();
        if (status == null && events.contains(ClientChannelEvent.EXIT_STATUS)) {
            status = channel.getExitStatus();
        }
        return Optional.ofNullable(status);
    }

    /**
     * Ends the transfer as this side saw it, once the receive consuming {@link #stream()} is over:
     * awaits the master's verdict and returns everything observed of the channel.
     *
     * <p>The verdict comes once the master's stream ended, so it is waited for up to the verdict
     * timeout when the receive read the stream to its end or the channel ended on its own; a receive
     * that gave up mid-stream on a live channel only glances for one ({@link #VERDICT_AFTER_REJECT}).
     * The connection counts as lost when a read failed on its own, or the stream ended (or the channel
     * closed) without an exit status; never when this side aborted it.
     *
     * @param receiveError the receiving side's failure (btrfs receive, LZ4 decoding, a read of the
     *                     channel); empty when btrfs receive accepted the stream
     */
    public StreamOutcome finish(Optional<Throwable> receiveError) {
        boolean streamOver = receiveError.isEmpty() || eof.get() || readFailure.get() != null || closedByPeer();
        Optional<Integer> exit = awaitExit(streamOver ? verdictTimeout : VERDICT_AFTER_REJECT);
        boolean connectionLost = !aborted.get() && (readFailure.get() != null
                || exit.isEmpty() && (eof.get() || closedByPeer()));
        return new StreamOutcome(wireBytes.get(), exit, masterReason(), stalled.get(), aborted.get(), connectionLost,
                receiveError);
    }

    /** Closes the channel (and its TCP connection) at once; reads fail from now on. Idempotent, any thread. */
    public void abort() {
        if (aborted.compareAndSet(false, true)) {
            closeTcp();
            channel.close(true);
        }
    }

    /** Closes the channel; its session stays open for the next step unless it failed. */
    @Override
    public void close() {
        stderr.close();
        closeTcp();
        channel.close(true);
        if (lease.session().isOpen()) {
            lease.release();
        } else {
            lease.broken();
        }
    }

    private void closeTcp() {
        if (tcp != null) {
            try {
                tcp.close();
            } catch (IOException e) {
                // Closing a socket that broke: nothing more to do.
            }
        }
    }

    /** Counts the wire bytes and records how the stream ended. */
    private final class Metered extends InputStream {

        private final InputStream in;

        Metered(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (aborted.get() || stalled.get()) {
                throw ended(null);
            }
            int n;
            try {
                n = in.read(b, off, len);
                lastProgress.set(System.nanoTime());
            } catch (IOException e) {
                if (aborted.get() || stalled.get()) {
                    throw ended(e);
                }
                readFailure.compareAndSet(null, e);
                throw e;
            }
            if (aborted.get() || stalled.get()) {
                // A closed channel reads as end of stream: never let that pass for a complete one.
                throw ended(null);
            }
            if (n < 0) {
                eof.set(true);
            } else {
                wireBytes.addAndGet(n);
            }
            return n;
        }

        /** Why reading stopped when this side abandoned the channel. */
        private IOException ended(IOException cause) {
            IOException e = stalled.get()
                    ? new SocketTimeoutException("no data from the master for " + stallTimeout.toSeconds() + " s")
                    : new IOException("the transfer of " + request.print() + " was aborted");
            if (cause != null) {
                e.initCause(cause);
            }
            return e;
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
