package org.icbd.rcs.ops.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.master.kafka.ConsumerTopicScan;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.reconcile.Reconciler;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.planner.app.PlannerApplication;
import org.icbd.rcs.testkit.FakeFleet;
import org.icbd.rcs.testkit.ImageVersionsTopic;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.TestPool;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code icbd publish} waits for the planner's verdict: a forged {@code ImageVersionPublished} for
 * the next version makes the real publish exit 65 naming the forgery, and the master's reconciler
 * corrects the topic from the disk so that a replica is asked for the real snapshot.
 */
class PublishVerdictIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String IMAGE = "ubuntu";
    private static final String FORGED_UUID = "6f0c2a8e-1b7d-4e3a-9c5f-0d2e4b6a8c1f";

    @TempDir
    Path tmp;

    @Test
    void aForgedNextVersionMakesPublishFailAndTheReconcilerCorrectsIt() throws Exception {
        try (TestPool pool = TestPool.create("verdict");
             PlannerApplication planner = PlannerApplication.start(PlannerApplication.config(Map.of(
                     "icbd.planner.kafka.bootstrap-servers", KAFKA.bootstrapServers(),
                     "icbd.planner.state-dir", tmp.resolve("planner").toString())));
             FakeFleet forger = new FakeFleet(KAFKA.bootstrapServers())) {
            assertTrue(planner.awaitRunning(WAIT), "the planner runs");
            String poolDir = pool.root().toString();
            ImageRepository repository = new ImageRepository(pool.root(), new CommandRunner());
            assertEquals(0, CliRun.of("image", "init", "--pool", poolDir, "--image", IMAGE).exitCode());

            Files.writeString(pool.root().resolve("images/" + IMAGE + "/work/file"), "version 1");
            CliRun first = publish(poolDir);
            assertEquals(0, first.exitCode(), first.err());
            String uuid1 = uuidOnDisk(pool, 1);

            forger.send(Topics.IMAGE_VERSIONS, IMAGE, ImageVersionPublished.of(IMAGE, 2, FORGED_UUID, Optional.of(1),
                    Optional.of(uuid1), 1, Instant.now(), "hq"));
            Files.writeString(pool.root().resolve("images/" + IMAGE + "/work/file"), "version 2");
            CliRun second = publish(poolDir);
            assertEquals(65, second.exitCode(), second.out() + second.err());
            assertEquals("", second.out(), "no success is claimed");
            assertTrue(second.err().contains("rejected") && second.err().contains(FORGED_UUID), second.err());
            String uuid2 = uuidOnDisk(pool, 2);

            forger.send(Topics.REPLICAS, "lab-a", FakeFleet.registration("lab-a", IMAGE, Instant.now()));
            forger.send(Topics.REPLICA_STATE, new PairKey("lab-a", IMAGE).toString(), ReplicaImageState.of("lab-a",
                    IMAGE, List.of(new HeldVersion(1, uuid1)), Optional.empty(), Optional.empty(), Instant.now()));
            try (Publisher publisher = new Publisher(repository, PublisherSettings.of(KAFKA.bootstrapServers(), "hq"))) {
                List<ImageVersionPublished> corrections = new Reconciler(repository, publisher,
                        new ConsumerTopicScan(publisher.settings(), "verdict-reconcile")).run().published();
                assertEquals(List.of(Optional.of(FORGED_UUID)),
                        corrections.stream().map(ImageVersionPublished::corrects).toList());
            }

            List<ReplicationTask> tasks = new ArrayList<>();
            try (TopicReader<String, ReplicationTask> reader = TopicReader.open(
                    KafkaClientSettings.of(KAFKA.bootstrapServers()), "verdict-tasks", Topics.REPLICATION_TASKS, WAIT)) {
                await("a task for lab-a naming the real uuid of version 2").atMost(WAIT).until(() -> {
                    reader.poll(Duration.ofMillis(200), r -> {
                        if (r instanceof TopicRecord.Read<String, ReplicationTask> read && read.value() != null) {
                            tasks.add(read.value());
                        }
                    });
                    return tasks.stream().anyMatch(t -> t.replicaId().equals("lab-a")
                            && t.steps().stream().anyMatch(s -> s.version() == 2 && s.uuid().equals(uuid2)));
                });
            }
        }
    }

    @Test
    void withoutAPlannerVerdictPublishExits69AndTheEventIsDurable() throws Exception {
        try (TestPool pool = TestPool.create("no-verdict")) {
            String poolDir = pool.root().toString();
            assertEquals(0, CliRun.of("image", "init", "--pool", poolDir, "--image", "lonely").exitCode());
            CliRun run = CliRun.of("publish", "--pool", poolDir, "--image", "lonely", "--bootstrap",
                    KAFKA.bootstrapServers(), "--planner-id", "no-such-planner", "--verdict-timeout", "2s");
            assertEquals(69, run.exitCode(), run.out() + run.err());
            assertTrue(run.err().contains("no-such-planner") && run.err().contains("is the planner running?"),
                    run.err());
            assertEquals(List.of(1), ImageVersionsTopic.events(KAFKA.bootstrapServers(), "lonely")
                    .stream().map(e -> e.version()).toList(), "the event is durable");
        }
    }

    private static CliRun publish(String poolDir) {
        return CliRun.of("publish", "--pool", poolDir, "--image", IMAGE, "--bootstrap", KAFKA.bootstrapServers(),
                "--master", "hq");
    }

    private static String uuidOnDisk(TestPool pool, int version) {
        return new BtrfsTool(new CommandRunner()).show(pool.root().resolve("images/" + IMAGE + "/versions/" + version))
                .uuid().toString();
    }
}
