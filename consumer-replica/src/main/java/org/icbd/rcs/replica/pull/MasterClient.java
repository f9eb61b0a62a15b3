package org.icbd.rcs.replica.pull;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import org.apache.sshd.client.channel.ChannelExec;
import org.icbd.rcs.transfer.TransferRequest;
import org.icbd.rcs.transfer.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's SSH client of the master's send service. One SSH session kept open per endpoint
 * ({@link SshSessions}) and one exec channel per step or stat: the channel's command is the transfer
 * request, its stdout the stream (or, with {@code transport=tcp}, the hand-off to a plain TCP
 * connection that carries it), its stderr one-line reasons, its exit status the verdict.
 *
 * <p>Security: public-key authentication with the replica's key only, and the master's host key
 * pinned: any other key ends the connection before a byte of stream is read ({@link SshSessions}).
 */
public final class MasterClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MasterClient.class);

    private final String replicaId;
    private final MasterEndpoint endpoint;
    private final SshSessions sessions;

    public MasterClient(String replicaId, MasterEndpoint endpoint) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.sessions = new SshSessions(replicaId);
    }

    public MasterEndpoint endpoint() {
        return endpoint;
    }

    /** SSH sessions open now (at most one per endpoint). */
    public int openSessions() {
        return sessions.openSessions();
    }

    /**
     * Opens an exec channel carrying {@code request} on the endpoint's session (connecting and
     * authenticating first when none is open), with the stream over the endpoint's transport. The
     * caller owns the returned channel and must close it.
     *
     * @throws IOException if the master cannot be reached, rejects this replica's key, presents another
     *     host key, or does not open the channel in time
     */
    public SendChannel open(TransferRequest request) throws IOException {
        TransferRequest send = request.verb() == TransferRequest.Verb.SEND
                ? request.withTransport(endpoint.transport()) : request;
        MasterStderr stderr = new MasterStderr(replicaId, send);
        Opened opened = openChannel(send, channel -> channel.setErr(stderr));
        ChannelExec channel = opened.channel();
        log.debug("replica {}: opened `{}` on {}", replicaId, send.print(), endpoint.address());
        Optional<TcpWire> tcp = send.transport() == Transport.TCP
                ? Optional.of(new TcpWire(channel.getInvertedOut(), endpoint.host(), endpoint.connectTimeout(), send))
                : Optional.empty();
        return new SendChannel(opened.lease(), channel, stderr, send, endpoint.stallTimeout(),
                endpoint.connectTimeout(), tcp);
    }

    private interface Setup {
        void apply(ChannelExec channel);
    }

    private record Opened(SshSessions.Lease lease, ChannelExec channel) {
    }

    /**
     * An open exec channel for {@code request}; on a session that was open before and fails to open it
     * (a master restarted, a connection silently gone), once more on a new session.
     */
    private Opened openChannel(TransferRequest request, Setup setup) throws IOException {
        SshSessions.Lease lease = sessions.lease(endpoint);
        try {
            return new Opened(lease, openOn(lease, request, setup));
        } catch (IOException | RuntimeException e) {
            lease.broken();
            if (!lease.reused()) {
                throw e;
            }
            log.info("replica {}: the SSH session to {} failed to open a channel ({}); opening a new one",
                    replicaId, endpoint.address(), e.toString());
        }
        SshSessions.Lease fresh = sessions.lease(endpoint);
        try {
            return new Opened(fresh, openOn(fresh, request, setup));
        } catch (IOException | RuntimeException e) {
            fresh.broken();
            throw e;
        }
    }

    private ChannelExec openOn(SshSessions.Lease lease, TransferRequest request, Setup setup) throws IOException {
        ChannelExec channel = lease.session().createExecChannel(request.print());
        setup.apply(channel);
        try {
            channel.open().verify(endpoint.connectTimeout());
        } catch (IOException | RuntimeException e) {
            channel.close(true);
            throw e;
        }
        return channel;
    }

    /**
     * Asks the master for the length and SHA-256 of a step's stored stream ({@code icbd-stat/1}), which
     * it produces first if needed; waits at most {@code timeout} for the answer.
     *
     * @param request the step; its verb is {@code icbd-stat/1}
     * @throws IOException if the master cannot be reached, answers with a non-zero status (carried by
     *     {@link StatRefusedException}) or with anything but one stat line
     */
    public StreamStat stat(TransferRequest request, java.time.Duration timeout) throws IOException {
        MasterStderr stderr = new MasterStderr(replicaId, request);
        StatAnswer out = new StatAnswer();
        Opened opened = openChannel(request, channel -> {
            channel.setOut(out);
            channel.setErr(stderr);
        });
        ChannelExec channel = opened.channel();
        try (channel; stderr) {
            java.util.Set<org.apache.sshd.client.channel.ClientChannelEvent> events = channel.waitFor(
                    java.util.EnumSet.of(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED),
                    timeout.toMillis());
            Integer status = channel.getExitStatus();
            if (status == null) {
                throw new java.net.SocketTimeoutException("`" + request.print() + "` on " + endpoint.address()
                        + " gave no answer within " + timeout.toSeconds() + " s"
                        + (events.contains(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED)
                                ? " (the channel closed)" : ""));
            }
            if (status != MasterExitStatus.OK) {
                throw new StatRefusedException(status, stderr.lastLine());
            }
            if (out.overflowed()) {
                throw new IOException("`" + request.print() + "` on " + endpoint.address() + " answered more than "
                        + StatAnswer.LIMIT + " bytes: the master does not speak icbd-stat/1; upgrade it");
            }
            String answer = out.text();
            try {
                return StreamStat.parse(answer);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        } finally {
            // A slow answer closes only its channel: the session may carry the step's stream.
            if (opened.lease().session().isOpen()) {
                opened.lease().release();
            } else {
                opened.lease().broken();
            }
        }
    }

    /** The stat's stdout: one short line; anything longer is kept out of memory and reported. */
    private static final class StatAnswer extends java.io.OutputStream {

        static final int LIMIT = 512;
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private volatile boolean overflowed;

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            int room = LIMIT - bytes.size();
            if (len > room) {
                overflowed = true;
            }
            bytes.write(b, off, Math.max(0, Math.min(room, len)));
        }

        boolean overflowed() {
            return overflowed;
        }

        synchronized String text() {
            return bytes.toString(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    @Override
    public void close() {
        sessions.close();
    }
}
