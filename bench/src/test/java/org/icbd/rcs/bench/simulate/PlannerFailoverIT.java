package org.icbd.rcs.bench.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.icbd.rcs.bench.cli.IcbdTools;
import org.icbd.rcs.bench.process.ChildJvm;
import org.icbd.rcs.localkafka.LocalKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover, proved: two planner instances (child JVMs) on a three-node cluster whose topics
 * {@code icbd topics ensure --replication-factor 3} created; right after the second of three
 * rounds of versions is published, one planner is killed with SIGKILL and one Kafka node is
 * stopped. No task is lost (every pair converges), none is issued twice (task ids unique), no step
 * is applied twice (each pair's steps ascend), and no replica shows OFFLINE.
 *
 * <p>The replicas are simulated ({@link Simulation}): 200 replicas, 3 images each. The cluster runs
 * in this JVM, so its node is stopped by {@link LocalKafka#stop}, a shutdown rather than a SIGKILL.
 */
class PlannerFailoverIT {

    @TempDir
    Path work;

    @Test
    void aKilledPlannerAndAStoppedBrokerLoseNoTaskAndRepeatNone() throws InterruptedException {
        try (LocalKafka kafka = LocalKafka.builder().brokers(3).start()) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int ensured = IcbdTools.run(new PrintWriter(out, true), new PrintWriter(err, true), "topics", "ensure",
                    "--bootstrap", kafka.bootstrapServers(), "--replication-factor", "3");
            assertEquals(0, ensured, out + "\n" + err);

            SimulationSettings settings = SimulationSettings.of(200, 20, 50, 3, 2, work)
                    .withBootstrap(kafka.bootstrapServers())
                    .withIdleWindow(Duration.ofSeconds(3))
                    .withRoundTimeout(Duration.ofMinutes(4))
                    .withPlannerHeap("384m");
            AtomicBoolean disrupted = new AtomicBoolean();
            StringWriter report = new StringWriter();
            SimulationResult result;
            try (Simulation simulation = new Simulation(settings, new PrintWriter(report, true))) {
                result = simulation.run((version, running) -> {
                    if (version == 2) {
                        ChildJvm victim = running.planners().get(0);
                        victim.kill();
                        assertFalse(victim.isAlive());
                        kafka.stop(kafka.nodeIds().get(1));
                        disrupted.set(true);
                    }
                });
            }
            StringWriter printed = new StringWriter();
            result.print(new PrintWriter(printed, true));
            String all = report + "\n" + printed;
            assertTrue(disrupted.get());
            assertTrue(result.converged(), all);
            assertEquals(0, result.duplicateTaskIds(), all);
            assertEquals(0, result.stepsOutOfOrder(), all);
            assertEquals(0, result.missingParents(), all);
            assertEquals(0, result.falseOffline(), all);
            assertTrue(result.tasks() >= 200L * 3 * 3, all);
        }
    }
}
