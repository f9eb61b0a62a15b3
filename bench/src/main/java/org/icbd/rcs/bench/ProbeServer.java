package org.icbd.rcs.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain TCP source on the master site: a client sends an 8-byte count and gets that many zero
 * bytes, then end of stream. It measures what the path between two sites delivers to one TCP
 * stream with nothing else in the way (no SSH, no btrfs), the ceiling of a transfer over it.
 */
final class ProbeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProbeServer.class);
    private static final int CHUNK_BYTES = 1 << 20;

    private final ServerSocket socket;
    private final Thread acceptor;

    private ProbeServer(ServerSocket socket) {
        this.socket = socket;
        this.acceptor = new Thread(this::acceptLoop, "probe-accept");
        this.acceptor.setDaemon(true);
    }

    static ProbeServer start(String host) throws IOException {
        ServerSocket socket = new ServerSocket(0, 4, InetAddress.getByName(host));
        ProbeServer server = new ProbeServer(socket);
        server.acceptor.start();
        LOG.info("probe source listening on {}:{}", host, socket.getLocalPort());
        return server;
    }

    int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                Thread t = new Thread(() -> serve(client), "probe-" + client.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.warn("probe source: accept failed: {}", e.toString());
                }
            }
        }
    }

    private static void serve(Socket client) {
        try (client) {
            long count = new DataInputStream(client.getInputStream()).readLong();
            byte[] zeros = new byte[CHUNK_BYTES];
            OutputStream out = client.getOutputStream();
            for (long left = count; left > 0; ) {
                int n = (int) Math.min(left, zeros.length);
                out.write(zeros, 0, n);
                left -= n;
            }
            out.flush();
            LOG.info("probe source: sent {} bytes to {}", count, client.getRemoteSocketAddress());
        } catch (IOException e) {
            LOG.warn("probe source: {} broke off: {}", client.getRemoteSocketAddress(), e.toString());
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
