package org.icbd.rcs.replica.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.replica.testing.MasterSite;
import org.icbd.rcs.replica.testing.ReplicaSite;
import org.icbd.rcs.testkit.KafkaProbe;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.Trees;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica stopped in the middle of a receive: gracefully (the transfer is aborted, staging cleaned,
 * the state published) and by SIGKILL in a child JVM (staging is cleaned at the next start). Either
 * way the task was left uncommitted and the version arrives after the restart.
 */
@Timeout(180)
class ReplicaStopIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final String IMAGE = "win11";
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Slow enough to be caught in the middle: the 24 MiB version takes about 12 s at this pace. */
    private static final long THROTTLE_BYTES_PER_SECOND = 2L << 20;

    @TempDir
    Path tmp;

    private ReplicaSite replica;
    private MasterSite master;
    private KafkaProbe kafka;
    private Process child;
    private String id;
    private ImageVersion v1;

    @BeforeEach
    void sites() throws IOException {
        id = "r-stop-" + UUID.randomUUID().toString().substring(0, 6);
        replica = ReplicaSite.create(tmp.resolve("replica"), id, 256L << 20);
        master = MasterSite.start(tmp.resolve("master"), 256L << 20, replica.publicKeyLine());
        kafka = new KafkaProbe(KAFKA.bootstrapServers());
        replica.configure(master, KAFKA.bootstrapServers(), List.of(IMAGE + ":2"));
        master.init(IMAGE);
        Trees.writeRandom(master.work(IMAGE).resolve("disk/template.img"), 24L << 20, 7);
        v1 = master.publish(IMAGE);
        master.filter(MasterSite.throttle(THROTTLE_BYTES_PER_SECOND));
    }

    @AfterEach
    void cleanup() {
        try {
            if (child != null && child.isAlive()) {
                child.destroyForcibly();
                child.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            }
        } finally {
            try {
                if (replica != null) {
                    replica.close();
                }
            } finally {
                try {
                    if (master != null) {
                        master.close();
                    }
                } finally {
                    if (kafka != null) {
                        kafka.close();
                    }
                }
            }
        }
    }

    private ReplicationTask task() {
        return ReplicationTask.of("t-" + id, id, IMAGE, List.of(), List.of(TransferStep.full(v1.version(), v1.uuid())),
                Compression.NONE, Instant.now());
    }

    private ReplicaImageState awaitState(String what, Predicate<ReplicaImageState> condition) {
        ReplicaImageState[] found = new ReplicaImageState[1];
        await(what).atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (ReplicaImageState s : kafka.states(id, IMAGE)) {
                if (condition.test(s)) {
                    found[0] = s;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static boolean abandoned(ReplicaImageState s) {
        return s.lastStep().filter(l -> l.outcome() == Outcome.FAILED).isPresent();
    }

    private static boolean movingPast(ReplicaImageState s, long bytes) {
        return s.transfer().filter(t -> t.bytes() > bytes).isPresent();
    }

    private void awaitArrivalAfterRestart() throws IOException {
        master.filter(null);
        replica.start();
        ReplicaImageState done = awaitState("version 1 applied after the restart", s -> s.lastStep()
                .filter(l -> l.outcome() == Outcome.APPLIED && l.version() == 1).isPresent());
        assertEquals(List.of(new HeldVersion(1, v1.uuid())), done.versions());
        Trees.assertSameTree(master.versionDir(IMAGE, 1), replica.versionDir(IMAGE, 1));
        assertEquals(List.of(), replica.stagingEntries());
    }

    @Test
    void aGracefulStopAbortsTheReceiveCleansStagingAndReports() throws IOException {
        replica.start();
        kafka.send(task());
        awaitState("a transfer in progress", s -> movingPast(s, 1L << 20));

        replica.stop();

        ReplicaImageState last = awaitState("the abandoned step reported", ReplicaStopIT::abandoned);
        StepReport step = last.lastStep().orElseThrow();
        assertEquals(Outcome.FAILED, step.outcome());
        assertEquals(Optional.of(ErrorClass.TRANSIENT), step.errorClass());
        assertTrue(step.error().orElseThrow().contains("stopping"), step.error().get());
        assertTrue(last.transfer().isEmpty(), "the transfer is no longer shown as moving");
        assertEquals(List.of(), last.versions());
        assertTrue(replica.stagingEntries().stream().allMatch(e -> e.endsWith(".stream")),
                "staging cleaned on the way out, but for the stream file kept to resume: " + replica.stagingEntries());
        assertFalse(Files.exists(replica.versionDir(IMAGE, 1)));

        awaitArrivalAfterRestart();
    }

    /** Starts the replica in a child JVM with the test's classpath, and waits for it to report. */
    private void startChild() throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), ReplicaMain.class.getName()));
        command.addAll(replica.arguments());
        Path log = tmp.resolve("child-replica.log");
        child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitState("the child replica's initial state", s -> s.versions().isEmpty() && s.transfer().isEmpty());
    }

    @Test
    void sigtermStopsAChildReplicaGracefully() throws Exception {
        startChild();
        kafka.send(task());
        awaitState("a transfer in progress in the child", s -> movingPast(s, 2L << 20));

        child.destroy();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child replica stopped on SIGTERM");

        StepReport step = awaitState("the abandoned step reported", ReplicaStopIT::abandoned).lastStep().orElseThrow();
        assertEquals(Optional.of(ErrorClass.TRANSIENT), step.errorClass());
        assertTrue(step.error().orElseThrow().contains("stopping"), step.error().get());
        assertTrue(replica.stagingEntries().stream().allMatch(e -> e.endsWith(".stream")),
                "staging cleaned on the way out, but for the stream file kept to resume: " + replica.stagingEntries());

        awaitArrivalAfterRestart();
    }

    @Test
    void aReplicaKilledDuringAReceiveCleansStagingAtStartAndTheVersionArrives() throws Exception {
        startChild();
        kafka.send(task());
        awaitState("a transfer in progress in the child", s -> movingPast(s, 2L << 20));

        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child replica died");
        // Its btrfs receive loses its input and stops, leaving a partial subvolume in staging.
        await("a leftover in staging").atMost(WAIT).until(() -> !replica.stagingEntries().isEmpty());
        assertFalse(Files.exists(replica.versionDir(IMAGE, 1)), "nothing partial is ever promoted");

        awaitArrivalAfterRestart();
    }

    /**
     * Joins the replica's consumer group with its static instance id, which fences the replica's own
     * consumer (its poll fails for good, which no pause can mend), and polls until {@code done}.
     */
    private void fenceTheReplicasConsumerUntil(java.util.concurrent.Callable<Boolean> done) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "icbd-replica-" + id,
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "icbd-replica-" + id);
        List<KafkaConsumer<String, byte[]>> usurper = new ArrayList<>();
        try {
            await("the replica's task loop fenced").atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (usurper.isEmpty()) {
                    KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(config, new StringDeserializer(),
                            new ByteArrayDeserializer());
                    usurper.add(c);
                    c.subscribe(List.of(Topics.REPLICATION_TASKS.name()));
                }
                try {
                    usurper.get(0).poll(Duration.ofMillis(100));
                } catch (FencedInstanceIdException e) {
                    // The replica's consumer joined after this one: join again, after it.
                    usurper.remove(0).close(Duration.ofSeconds(5));
                }
                return done.call();
            });
        } finally {
            usurper.forEach(c -> c.close(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aReplicaWhoseTaskLoopDiesStopsHeartbeating() {
        replica.start();
        ReplicaService service = replica.application().service();
        awaitState("the replica's initial state", s -> s.versions().isEmpty());

        fenceTheReplicasConsumerUntil(() -> service.death().isDone());

        assertTrue(service.death().join().reason().contains("FencedInstanceIdException"),
                service.death().join().reason());
        Instant diedAt = Instant.now();
        // Heartbeats come every second in these tests: three intervals without one is a stopped heartbeat.
        await("no heartbeat after the task loop died").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> kafka.registrations(id).stream().noneMatch(r -> r.lastSeen().isAfter(diedAt)));
    }

    @Test
    void aChildReplicaWhoseTaskLoopDiesExitsNonZeroSayingWhy() throws Exception {
        startChild();

        fenceTheReplicasConsumerUntil(() -> !child.isAlive());

        assertEquals(ReplicaMain.EXIT_TASK_LOOP_DIED, child.exitValue());
        String log = Files.readString(tmp.resolve("child-replica.log"));
        assertTrue(log.contains("exiting with status 3: the task loop died of"), log);
    }
}
