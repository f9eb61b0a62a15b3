package org.icbd.rcs.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The link's faults on a real TCP connection: a server that sends a fixed block to each client. */
class ChaosLinkTest {

    private static final byte[] BLOCK = new byte[256 * 1024];

    static {
        new SplittableRandom(1).nextBytes(BLOCK);
    }

    private ServerSocket server;
    private ChaosLink link;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write(BLOCK);
                } catch (IOException e) {
                    // The link dropped it, or the test is over.
                }
            }
        });
        t.setDaemon(true);
        t.start();
        link = new ChaosLink("test", server::getLocalPort, 7);
    }

    @AfterEach
    void stop() throws IOException {
        link.close();
        server.close();
    }

    private byte[] fetch() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), link.port()); InputStream in = s.getInputStream()) {
            return in.readAllBytes();
        }
    }

    @Test
    void aCleanLinkForwardsEveryByte() throws IOException {
        assertArrayEquals(BLOCK, fetch());
    }

    @Test
    void aCorruptLinkFlipsBytesAndARestoredOneDoesNot() throws IOException {
        link.corrupt();
        byte[] got = fetch();
        assertEquals(BLOCK.length, got.length);
        assertFalse(Arrays.equals(BLOCK, got));
        assertTrue(link.flipped.get() > 0);
        link.restore();
        assertArrayEquals(BLOCK, fetch());
    }

    @Test
    void aCutLinkRefusesUntilRestored() throws IOException {
        link.cut();
        assertEquals(0, fetch().length);
        link.restore();
        assertArrayEquals(BLOCK, fetch());
    }

    @Test
    void aPlannedCutDropsOneConnectionAtItsByteAndCountsWhatPassed() throws IOException {
        link.cutAfter(100_000);
        assertTrue(link.cutPending());
        byte[] cut = fetch();
        assertArrayEquals(Arrays.copyOf(BLOCK, 100_000), cut, "the first connection ends at the planned byte");
        assertFalse(link.cutPending());
        assertArrayEquals(BLOCK, fetch(), "the cut is used once");
        assertEquals(100_000L + BLOCK.length, link.bytesTowardsReplica());
    }
}
