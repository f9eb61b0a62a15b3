package org.icbd.rcs.bench.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.icbd.rcs.command.CommandResult;
import org.icbd.rcs.command.CommandRunner;
import org.junit.jupiter.api.Test;

/** The chaos run's network namespaces, on the real kernel (needs root): reach, cut, crawl, removal, stale runs. */
class ChaosNetIT {

    private static final CommandRunner RUNNER = new CommandRunner();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void aReplicaNamespaceReachesTheHostAddressUnlessCutAndEverythingIsRemovedAtTheEnd() throws Exception {
        ChaosNet net = ChaosNet.create(RUNNER, List.of("r-1", "r-2"));
        String ns = net.namespace("r-1");
        try (net; ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName(net.hostAddress()))) {
            Thread accept = acceptor(server);
            assertEquals(0, dial(ns, net.hostAddress(), server.getLocalPort()).exitCode(), "reached before a cut");
            assertEquals(0, dial(net.namespace("r-2"), net.hostAddress(), server.getLocalPort()).exitCode(),
                    "the other replica reaches the same address");

            net.cut("r-1");
            assertNotEquals(0, dial(ns, net.hostAddress(), server.getLocalPort()).exitCode(), "a cut link carries nothing");
            assertEquals(0, dial(net.namespace("r-2"), net.hostAddress(), server.getLocalPort()).exitCode(),
                    "a cut of one link leaves the others");
            net.restore("r-1");
            CommandResult after = dial(ns, net.hostAddress(), server.getLocalPort());
            assertEquals(0, after.exitCode(), () -> "reached after the restore: " + after.stderrTail());

            net.crawl("r-1", 1024);
            assertTrue(net.qdisc("r-1").matches("(?s).*tbf.*rate (8192bit|8Kbit).*"), net.qdisc("r-1"));
            net.restore("r-1");
            assertFalse(net.qdisc("r-1").contains("tbf"), net.qdisc("r-1"));
            accept.interrupt();
        }
        assertTrue(net.existing("r-1").isEmpty(), "the namespace is gone");
        long pid = ProcessHandle.current().pid();
        assertFalse(ChaosNet.pidsInUse(RUNNER).contains(pid), "no namespace, veth or address of this run is left: "
                + RUNNER.run(List.of("ip", "-o", "addr", "show"), TIMEOUT).stdout());
    }

    @Test
    void whatARunThatDiedLeftIsRemovedAtTheNextStart() {
        long dead = deadPid();
        String ns = ChaosNet.NAMESPACE_PREFIX + dead + "-1";
        RUNNER.run(List.of("ip", "netns", "add", ns), TIMEOUT);
        RUNNER.run(List.of("ip", "link", "add", ChaosNet.DEVICE_PREFIX + dead + "h1", "type", "veth", "peer", "name",
                ChaosNet.DEVICE_PREFIX + dead + "n1"), TIMEOUT);
        RUNNER.run(List.of("ip", "link", "set", ChaosNet.DEVICE_PREFIX + dead + "n1", "netns", ns), TIMEOUT);
        RUNNER.run(List.of("ip", "addr", "add", "10.233.255.1/32", "dev", "lo", "label",
                "lo:" + ChaosNet.DEVICE_PREFIX + dead), TIMEOUT);
        assertTrue(ChaosNet.pidsInUse(RUNNER).contains(dead));

        try (ChaosNet net = ChaosNet.create(RUNNER, List.of("r-1"))) {
            assertFalse(ChaosNet.pidsInUse(RUNNER).contains(dead), "the dead run's leftovers are gone");
            assertTrue(net.existing("r-1").isPresent());
        }
        assertFalse(RUNNER.run(List.of("ip", "-o", "addr", "show", "dev", "lo"), TIMEOUT).stdout().contains("10.233.255.1"));
    }

    /** A pid no process has: the kernel's maximum and below, the first free one. */
    private static long deadPid() {
        for (long p = 4_194_000; p > 1_000_000; p--) {
            if (ProcessHandle.of(p).isEmpty()) {
                return p;
            }
        }
        throw new IllegalStateException("no free pid");
    }

    /** Connects from inside {@code ns} to {@code host:port} and reads a line, within two seconds. */
    private static CommandResult dial(String ns, String host, int port) {
        return RUNNER.runAnyExit(List.of("ip", "netns", "exec", ns, "timeout", "2", "bash", "-c",
                "exec 3<>/dev/tcp/" + host + "/" + port + " && head -c 3 <&3"), TIMEOUT);
    }

    private static Thread acceptor(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    InputStream in = s.getInputStream();
                    in.close();
                } catch (IOException e) {
                    return;
                }
            }
        }, "chaos-net-it-accept");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
