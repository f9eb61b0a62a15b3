package org.icbd.rcs.replica.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback between a replica and its master, as a network that drops: it forwards
 * both ways and counts the bytes on the wire from the master, and it cuts a connection (closes both
 * sockets, as a broken link would) once that connection has carried the next planned number of
 * bytes from the master. Each planned cut is used once, by the first connection to reach it; the
 * short connections of a stat never reach one.
 */
public final class CuttingRelay implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Deque<Long> cuts = new ArrayDeque<>();
    private final AtomicLong downstream = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger cutsMade = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private CuttingRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "cutting-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Relays to {@code 127.0.0.1:targetPort}. */
    public static CuttingRelay to(int targetPort) throws IOException {
        return new CuttingRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
    }

    /** Plans one more cut: the next connection to carry {@code bytes} from the master is cut there. */
    public synchronized CuttingRelay cutAfter(long bytes) {
        cuts.addLast(bytes);
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Bytes carried from the master to the replica, every connection counted, the SSH framing included. */
    public long bytesFromMaster() {
        return downstream.get();
    }

    public int connections() {
        return connections.get();
    }

    public int cutsMade() {
        return cutsMade.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                open.add(client);
                open.add(upstream);
                connections.incrementAndGet();
                Link link = new Link(client, upstream);
                start(() -> link.pump(client, upstream, false), "relay-up");
                start(() -> link.pump(upstream, client, true), "relay-down");
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private synchronized Long nextCut() {
        return cuts.peekFirst();
    }

    /** Takes the planned cut {@code at} if it is still the next one. */
    private synchronized boolean takeCut(long at) {
        Long next = cuts.peekFirst();
        if (next != null && next == at) {
            cuts.removeFirst();
            cutsMade.incrementAndGet();
            return true;
        }
        return false;
    }

    /** One relayed connection. */
    private final class Link {

        private final Socket client;
        private final Socket upstream;
        private long carried;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void pump(Socket from, Socket to, boolean fromMaster) {
            byte[] buffer = new byte[BUFFER];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (fromMaster) {
                        Long cut = nextCut();
                        if (cut != null && carried + n >= cut && takeCut(cut)) {
                            int allowed = (int) Math.max(0, cut - carried);
                            out.write(buffer, 0, allowed);
                            out.flush();
                            carried += allowed;
                            downstream.addAndGet(allowed);
                            close();
                            return;
                        }
                        carried += n;
                        downstream.addAndGet(n);
                    }
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // The other direction closed the link, or the relay was closed.
            } finally {
                close();
            }
        }

        void close() {
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Closing a broken link.
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Nothing accepted any more either way.
        }
        open.forEach(CuttingRelay::closeQuietly);
    }
}
