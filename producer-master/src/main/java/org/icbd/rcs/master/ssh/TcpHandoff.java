package org.icbd.rcs.master.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain TCP side of {@code transport=tcp} requests. A request that SSH authenticated and the
 * send service authorised gets a {@link Ticket}: a one-time token of 256 random bits and the port
 * this listens on. The replica connects, sends the token and a newline, and gets the stream on that
 * connection. A token is good once, for {@link #tokenTimeout} after it was issued, and only from the
 * address the SSH session came from; anything else (an unknown, used or expired token, another
 * address, no token within {@link #TOKEN_READ_TIMEOUT}) closes the connection and runs nothing.
 *
 * <p>The listener is bound at the first ticket (on the SSH service's address, at the configured port,
 * 0 for any free one), so a source that never hands out one opens no port. The bytes on the
 * connection are not encrypted: for trusted networks; their integrity is checked by the replica
 * against the stream's SHA-256 before anything is promoted.
 */
final class TcpHandoff implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpHandoff.class);

    /** How long an issued token waits for its connection. */
    static final Duration DEFAULT_TOKEN_TIMEOUT = Duration.ofSeconds(30);
    /** How long a new connection may take to send its token. */
    static final Duration TOKEN_READ_TIMEOUT = Duration.ofSeconds(5);
    static final int TOKEN_BYTES = 32;

    private final String host;
    private final int port;
    private final Duration tokenTimeout;
    private final ExecutorService executor;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private ServerSocket listener;
    private volatile boolean closed;

    TcpHandoff(String host, int port, Duration tokenTimeout, ExecutorService executor) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("icbd.master.tcp-port " + port + " is out of range 0-65535");
        }
        this.port = port;
        this.tokenTimeout = Objects.requireNonNull(tokenTimeout, "tokenTimeout");
        if (tokenTimeout.isNegative() || tokenTimeout.isZero()) {
            throw new IllegalArgumentException("the tcp token timeout must be positive, got " + tokenTimeout);
        }
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** Connections refused so far (bad, used or late tokens, other addresses). */
    long refused() {
        return refused.get();
    }

    /** The bound port; empty until the first ticket. */
    synchronized Optional<Integer> port() {
        return listener == null ? Optional.empty() : Optional.of(listener.getLocalPort());
    }

    /**
     * A one-time token for a connection from {@code client}'s address.
     *
     * @throws UncheckedIOException if the listener cannot be bound
     */
    Ticket issue(SocketAddress client) {
        int bound = bind();
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        InetAddress from = client instanceof InetSocketAddress a ? a.getAddress() : null;
        Ticket ticket = new Ticket(token, bound, from);
        tickets.put(token, ticket);
        return ticket;
    }

    private synchronized int bind() {
        if (closed) {
            throw new IllegalStateException("the send service is closing");
        }
        if (listener == null) {
            try {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(host, port));
                listener = s;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen for tcp transfers on " + host + ":" + port
                        + " (icbd.master.tcp-port): " + e.getMessage(), e);
            }
            Thread acceptor = new Thread(this::accept, "icbd-send-tcp-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            log.info("tcp transfers listening on {}:{} (one-time tokens, {} s each)", host, listener.getLocalPort(),
                    tokenTimeout.toSeconds());
        }
        return listener.getLocalPort();
    }

    private void accept() {
        ServerSocket s;
        synchronized (this) {
            s = listener;
        }
        while (!closed) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("tcp transfers: accepting on port {} failed: {}", s.getLocalPort(), e.toString());
                }
                return;
            }
            try {
                executor.execute(() -> admit(socket));
            } catch (RejectedExecutionException e) {
                closeQuietly(socket);
            }
        }
    }

    /** Reads the token; hands the connection to its ticket, or closes it. */
    private void admit(Socket socket) {
        SocketAddress from = socket.getRemoteSocketAddress();
        String token;
        try {
            socket.setSoTimeout((int) TOKEN_READ_TIMEOUT.toMillis());
            token = readToken(socket.getInputStream());
        } catch (IOException e) {
            refuse(socket, from, "no token (" + e.getMessage() + ")");
            return;
        }
        Ticket ticket = token == null ? null : tickets.remove(token);
        if (ticket == null) {
            refuse(socket, from, "an unknown, used or expired token");
            return;
        }
        if (ticket.from != null && !ticket.from.equals(socket.getInetAddress())) {
            ticket.connected.completeExceptionally(new IOException("the token was presented from " + from
                    + ", not from the SSH client's address " + ticket.from));
            refuse(socket, from, "a token issued to " + ticket.from);
            return;
        }
        try {
            socket.setSoTimeout(0);
        } catch (IOException e) {
            refuse(socket, from, "a broken connection (" + e.getMessage() + ")");
            return;
        }
        if (!ticket.connected.complete(socket)) {
            // Expired just now: the send stopped waiting for it.
            refuse(socket, from, "an expired token");
        }
    }

    /** The first line, at most a token's length: 64 hex characters and a newline; null when it is not one. */
    private static String readToken(InputStream in) throws IOException {
        int length = TOKEN_BYTES * 2;
        byte[] line = new byte[length + 1];
        int n = 0;
        while (n < line.length) {
            int r = in.read(line, n, line.length - n);
            if (r < 0) {
                return null;
            }
            n += r;
        }
        if (line[length] != '\n') {
            return null;
        }
        String token = new String(line, 0, length, StandardCharsets.US_ASCII);
        return token.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f') ? token : null;
    }

    private void refuse(Socket socket, SocketAddress from, String why) {
        refused.incrementAndGet();
        log.warn("tcp transfers: refused a connection from {}: {}; nothing was sent", from, why);
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("closing a refused tcp connection: {}", e.toString());
        }
    }

    @Override
    public void close() {
        ServerSocket s;
        synchronized (this) {
            closed = true;
            s = listener;
        }
        tickets.values().forEach(Ticket::cancel);
        tickets.clear();
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing the tcp listener: {}", e.toString());
            }
        }
    }

    /** One issued token: the request waits for its connection with {@link #await()}. */
    final class Ticket {
        private final String token;
        private final int port;
        private final InetAddress from;
        private final CompletableFuture<Socket> connected = new CompletableFuture<>();

        private Ticket(String token, int port, InetAddress from) {
            this.token = token;
            this.port = port;
            this.from = from;
        }

        /** The line the replica is answered on the channel. */
        String answer() {
            return "tcp port=" + port + " token=" + token;
        }

        /**
         * The connection that presented the token, within the token timeout.
         *
         * @throws TimeoutException when none came in time; the token is void from now on
         * @throws IOException when the token was presented from another address
         */
        Socket await() throws IOException, InterruptedException, TimeoutException {
            try {
                return connected.get(tokenTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                tickets.remove(token, this);
                if (connected.completeExceptionally(e)) {
                    throw new TimeoutException("no connection presented the token within " + tokenTimeout.toSeconds()
                            + " s");
                }
                return await();
            } catch (InterruptedException e) {
                cancel();
                throw e;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IOException(e.getCause().toString(), e.getCause());
            }
        }

        /** Voids the token; a connection already handed over is closed. */
        void cancel() {
            tickets.remove(token, this);
            if (!connected.completeExceptionally(new IOException("the request ended"))
                    && !connected.isCompletedExceptionally()) {
                closeQuietly(connected.join());
            }
        }
    }
}
