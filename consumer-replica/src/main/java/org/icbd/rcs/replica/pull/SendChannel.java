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
import net.jpountz.lz4.LZ4FrameInputStream;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.ChannelPipedInputStream;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * One open exec channel carrying one send stream, and what was observed of it: bytes on the wire,
 * end of stream, a failed read, a stall, the exit status and the master's last stderr line.
 *
 * <p>{@link #abort()} may be called from any thread (a stopping service): it closes the channel at
 * once, and every later read of {@link #stream()} fails, so that the receive consuming it is killed
 * rather than fed a truncated stream that might look complete.
 */
public final class SendChannel implements AutoCloseable {

    private final ClientSession session;
    private final ChannelExec channel;
    private final MasterStderr stderr;
    private final TransferRequest request;
    private final AtomicLong wireBytes = new AtomicLong();
    private final AtomicBoolean eof = new AtomicBoolean();
    private final AtomicBoolean stalled = new AtomicBoolean();
    private final AtomicBoolean aborted = new AtomicBoolean();
    private final AtomicReference<IOException> readFailure = new AtomicReference<>();
    private final InputStream wire;

    SendChannel(ClientSession session, ChannelExec channel, MasterStderr stderr, TransferRequest request,
                Duration stallTimeout) {
        this.session = session;
        this.channel = channel;
        this.stderr = stderr;
        this.request = request;
        InputStream out = channel.getInvertedOut();
        if (out instanceof ChannelPipedInputStream piped) {
            // A read that waits longer than this throws SocketTimeoutException: the stall detector.
            piped.setTimeout(stallTimeout.toMillis());
        }
        this.wire = new Metered(out);
    }

    public TransferRequest request() {
        return request;
    }

    /**
     * The stream as btrfs receive wants it: LZ4-decoded when the request asked for LZ4. Reading an
     * LZ4 stream's header happens here, so this may block and throw like a read.
     */
    public InputStream stream() throws IOException {
        return request.compression() == Compression.LZ4 ? new LZ4FrameInputStream(wire) : wire;
    }

    /** Stream bytes received so far, as on the wire (compressed when LZ4). Any thread. */
    public long wireBytes() {
        return wireBytes.get();
    }

    /** Whether the stream reached its end (the master closed its stdout). */
    public boolean reachedEnd() {
        return eof.get();
    }

    /** Whether a read waited longer than the stall timeout. */
    public boolean stalled() {
        return stalled.get();
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
        return !aborted.get() && (channel.isClosing() || channel.isClosed() || !session.isOpen());
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

    /** Closes the channel and its session at once; reads fail from now on. Idempotent, any thread. */
    public void abort() {
        if (aborted.compareAndSet(false, true)) {
            channel.close(true);
            session.close(true);
        }
    }

    @Override
    public void close() {
        stderr.close();
        channel.close(true);
        session.close(true);
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
            if (aborted.get()) {
                throw new IOException("the transfer of " + request.print() + " was aborted");
            }
            int n;
            try {
                n = in.read(b, off, len);
            } catch (SocketTimeoutException e) {
                stalled.set(true);
                throw e;
            } catch (IOException e) {
                if (aborted.get()) {
                    throw new IOException("the transfer of " + request.print() + " was aborted", e);
                }
                readFailure.compareAndSet(null, e);
                throw e;
            }
            if (aborted.get()) {
                // A closed channel reads as end of stream: never let that pass for a complete one.
                throw new IOException("the transfer of " + request.print() + " was aborted");
            }
            if (n < 0) {
                eof.set(true);
            } else {
                wireBytes.addAndGet(n);
            }
            return n;
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
