package org.icbd.rcs.bench.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link between one replica and the master, as a TCP relay in the harness: the replica's
 * configured master address is this relay's port (on 127.0.0.1, or the address {@code icbd chaos}
 * gives the replicas' namespaces), which forwards to the master's current SSH port on 127.0.0.1.
 * Faults act on it: {@link #cut} drops every connection and refuses new ones, {@link #corrupt} flips
 * bytes on the wire towards the replica (SSH's MAC must catch every one); {@link #cutAfter} drops the next
 * connection that has carried that many bytes towards the replica, as a link lost mid-transfer. The
 * bench's resume case uses it too, counting what crossed it ({@link #bytesTowardsReplica}).
 */
public final class ChaosLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChaosLink.class);
    private static final int CHUNK = 16 * 1024;

    private final String name;
    private final IntSupplier target;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final SplittableRandom random;
    private volatile boolean cut;
    private volatile boolean corrupt;
    private volatile boolean closed;
    final AtomicLong flipped = new AtomicLong();
    private final AtomicLong carriedTowardsReplica = new AtomicLong();
    /** Bytes a connection may carry towards the replica before it is dropped, once; 0 for no planned cut. */
    private final AtomicLong cutAt = new AtomicLong();

    public ChaosLink(String name, IntSupplier target, long seed) {
        this(name, InetAddress.getLoopbackAddress(), target, seed);
    }

    /** A relay listening on {@code bind} (an address of this host) for the replica. */
    public ChaosLink(String name, InetAddress bind, IntSupplier target, long seed) {
        this.name = name;
        this.target = target;
        this.random = new SplittableRandom(seed);
        try {
            server = new ServerSocket(0, 50, bind);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the link of " + name + ": " + e.getMessage(), e);
        }
        Thread accept = new Thread(this::accept, "chaos-link-" + name);
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Plans one cut: the first connection to carry {@code bytes} towards the replica is dropped right
     * there (both sockets closed), later ones pass. The short connections of a stat never reach it.
     */
    public void cutAfter(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a cut needs a positive byte count, got " + bytes);
        }
        cutAt.set(bytes);
    }

    /** Whether the cut planned by {@link #cutAfter} is still to happen. */
    public boolean cutPending() {
        return cutAt.get() > 0;
    }

    /** Every byte the link carried towards the replica, all connections, SSH framing included. */
    public long bytesTowardsReplica() {
        return carriedTowardsReplica.get();
    }

    /** Drops every connection and refuses new ones until {@link #restore}. */
    void cut() {
        cut = true;
        dropAll();
    }

    /** Flips bytes on the wire, master to replica, until {@link #restore}. */
    void corrupt() {
        corrupt = true;
    }

    /** Back to a clean link; a corrupted connection is dropped (its SSH session is ruined anyway). */
    void restore() {
        boolean wasCorrupt = corrupt;
        cut = false;
        corrupt = false;
        if (wasCorrupt) {
            dropAll();
        }
    }

    private void dropAll() {
        for (Socket s : List.copyOf(open)) {
            closeQuietly(s);
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("link {}: accept failed: {}", name, e.toString());
                }
                return;
            }
            if (cut) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target.getAsInt());
                open.add(client);
                open.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, true);
            } catch (IOException e) {
                // The master is down: the replica sees a refused connection, as it would without the relay.
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to, boolean towardsReplica) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[CHUNK];
            long carried = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    long cut = towardsReplica ? cutAt.get() : 0;
                    if (cut > 0 && carried + n >= cut && cutAt.compareAndSet(cut, 0)) {
                        int allowed = (int) (cut - carried);
                        out.write(buffer, 0, allowed);
                        out.flush();
                        carriedTowardsReplica.addAndGet(allowed);
                        LOG.info("link {}: cut after {} bytes towards the replica, as planned", name, cut);
                        return;
                    }
                    carried += n;
                    if (towardsReplica) {
                        carriedTowardsReplica.addAndGet(n);
                    }
                    if (towardsReplica && corrupt) {
                        synchronized (random) {
                            buffer[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
                        }
                        flipped.incrementAndGet();
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // A dropped link ends both directions.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "chaos-link-" + name + (towardsReplica ? "-down" : "-up"));
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("link {}: close: {}", name, e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("link {}: close: {}", name, e.toString());
        }
        dropAll();
    }
}
