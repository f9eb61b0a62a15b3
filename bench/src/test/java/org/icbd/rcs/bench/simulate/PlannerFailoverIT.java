package org.icbd.rcs.bench.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.icbd.rcs.bench.cli.IcbdTools;
import org.icbd.rcs.bench.process.ChildJvm;
import org.icbd.rcs.localkafka.LocalKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover, proved: two planner instances (child JVMs) on a three-node cluster whose topics
 * {@code icbd topics ensure --replication-factor 3} created. Each Kafka node is a process of its
 * own ({@code icbd local-kafka --brokers 3 --node N}). Right after the second of three rounds of
 * versions is published, one planner and one Kafka node are killed with SIGKILL; right after the
 * third, the node is started again on its data. No task is lost (every pair converges), none is
 * issued twice (task ids unique), no step is applied twice (each pair's steps ascend), and no
 * replica shows OFFLINE.
 *
 * <p>The replicas are simulated ({@link Simulation}): 200 replicas, 3 images each.
 */
class PlannerFailoverIT {

    private static final Duration READY = Duration.ofMinutes(2);
    private static final int NODES = 3;

    @TempDir
    Path work;

    @Test
    void aKilledPlannerAndAKilledBrokerLoseNoTaskAndRepeatNone() throws InterruptedException {
        int[] ports = consecutiveFreePorts(2 * NODES);
        int port = ports[0];
        int controllerPort = ports[NODES];
        List<ChildJvm> nodes = new ArrayList<>();
        try {
            for (int id = LocalKafka.NODE_ID; id < LocalKafka.NODE_ID + NODES; id++) {
                nodes.add(startNode(id, port, controllerPort, "a"));
            }
            // A node's broker is ready once a majority of the controllers runs: start all, then wait.
            String bootstrap = null;
            for (ChildJvm node : nodes) {
                bootstrap = node.awaitReady(READY).get("bootstrap");
            }
            String expected = IntStream.range(0, NODES).mapToObj(i -> LocalKafka.HOST + ":" + (port + i))
                    .collect(Collectors.joining(","));
            assertEquals(expected, bootstrap);

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int ensured = IcbdTools.run(new PrintWriter(out, true), new PrintWriter(err, true), "topics", "ensure",
                    "--bootstrap", bootstrap, "--replication-factor", "3");
            assertEquals(0, ensured, out + "\n" + err);

            SimulationSettings settings = SimulationSettings.of(200, 20, 50, 3, 2, work)
                    .withBootstrap(bootstrap)
                    .withIdleWindow(Duration.ofSeconds(3))
                    .withRoundTimeout(Duration.ofMinutes(4))
                    .withPlannerHeap("384m");
            int victimNode = LocalKafka.NODE_ID + 1;
            AtomicInteger disruptions = new AtomicInteger();
            StringWriter report = new StringWriter();
            SimulationResult result;
            try (Simulation simulation = new Simulation(settings, new PrintWriter(report, true))) {
                result = simulation.run((version, running) -> {
                    if (version == 2) {
                        ChildJvm planner = running.planners().get(0);
                        planner.kill();
                        assertFalse(planner.isAlive());
                        ChildJvm node = nodes.get(victimNode - LocalKafka.NODE_ID);
                        node.kill();
                        assertFalse(node.isAlive());
                        disruptions.incrementAndGet();
                    } else if (version == 3) {
                        ChildJvm again = startNode(victimNode, port, controllerPort, "b");
                        nodes.set(victimNode - LocalKafka.NODE_ID, again);
                        again.awaitReady(READY);
                        disruptions.incrementAndGet();
                    }
                });
            }
            StringWriter printed = new StringWriter();
            result.print(new PrintWriter(printed, true));
            String all = report + "\n" + printed;
            assertEquals(2, disruptions.get(), all);
            assertTrue(result.converged(), all);
            assertEquals(0, result.duplicateTaskIds(), all);
            assertEquals(0, result.stepsOutOfOrder(), all);
            assertEquals(0, result.missingParents(), all);
            assertEquals(0, result.falseOffline(), all);
            assertTrue(result.tasks() >= 200L * 3 * 3, all);
        } finally {
            // All at once: a node shutting down waits for a controller quorum the others would take away.
            List<Thread> stops = nodes.stream().map(n -> new Thread(n::stop, "stop-" + n.name())).toList();
            stops.forEach(Thread::start);
            for (Thread stop : stops) {
                stop.join();
            }
        }
    }

    /** Node {@code id} of the cluster in a JVM of its own; {@code run} tells its runs' logs apart. */
    private ChildJvm startNode(int id, int port, int controllerPort, String run) {
        Path logs = work.resolve("logs");
        return ChildJvm.services("kafka-" + id + run, List.of("local-kafka", "--brokers", String.valueOf(NODES),
                        "--node", String.valueOf(id), "--port", String.valueOf(port),
                        "--controller-port", String.valueOf(controllerPort),
                        "--data-dir", work.resolve("kafka").toString()))
                .jvmOptions(List.of("-Xmx384m", "-XX:+UseSerialGC"))
                .logFile(logs.resolve("kafka-" + id + run + ".log"))
                .readyFile(logs.resolve("kafka-" + id + run + ".ready"))
                .start();
    }

    /** {@code n} consecutive ports free on 127.0.0.1 right now. */
    private static int[] consecutiveFreePorts(int n) {
        Random random = new Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20000 + random.nextInt(20000);
            if (IntStream.range(base, base + n).allMatch(PlannerFailoverIT::free)) {
                return IntStream.range(base, base + n).toArray();
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free ports on 127.0.0.1");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LocalKafka.HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
