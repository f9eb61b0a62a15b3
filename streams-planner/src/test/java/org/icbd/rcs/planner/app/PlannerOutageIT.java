package org.icbd.rcs.planner.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.localkafka.LocalKafka;
import org.icbd.rcs.planner.topology.TopologySettings;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planner rides out a broker that is down: at start (it waits instead of failing, then plans),
 * and while it runs: the broker stopped for a few seconds while a new version is being planned (its
 * transaction in flight), and stopped for longer than the clients' {@code max.block.ms} (a commit
 * blocked on the broker times out), each time restarted on the same port with its data; the
 * version is planned once the broker is back. The planner's {@code max.block.ms} is shortened to
 * {@link #MAX_BLOCK} (a pass-through client property) so that the long outage need not last the
 * default minute.
 */
class PlannerOutageIT {

    private static final Logger LOG = LoggerFactory.getLogger(PlannerOutageIT.class);
    private static final String IMAGE = "ubuntu";
    private static final String REPLICA = "lab-a";
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Duration MAX_BLOCK = Duration.ofSeconds(15);

    @TempDir
    Path tmp;

    @Test
    void aPlannerWaitsForABrokerDownAtStartAndPlansAfterAnOutageLongerThanMaxBlock() throws Exception {
        try (LocalKafka kafka = LocalKafka.start()) {
            kafka.ensureTopics(Topics.ALL, 3);
            int node = kafka.nodeIds().get(0);
            PlannerConfig config = PlannerConfig.defaults()
                    .withKafka(KafkaClientSettings.of(kafka.bootstrapServers())
                            .withProperties(Map.of("max.block.ms", String.valueOf(MAX_BLOCK.toMillis()))))
                    .withApplicationId("planner-outage-it")
                    .withStateDir(tmp.resolve("state"))
                    .withTopology(TopologySettings.DEFAULTS.withOfflineAfter(Duration.ofMinutes(10)));

            kafka.stop(node);
            CompletableFuture<PlannerApplication> starting = CompletableFuture.supplyAsync(
                    () -> PlannerApplication.start(config));
            PlannerApplication planner = null;
            try {
                // Longer than one attempt of the topic check: the planner must still be waiting, not failed.
                Duration down = PlannerApplication.CLUSTER_TIMEOUT.plusSeconds(4);
                await("the broker stays down").pollDelay(down).atMost(down.plusSeconds(1)).until(() -> true);
                assertFalse(starting.isDone(), () -> "the planner gave up: " + starting.handle((v, e) -> e).join());
                kafka.restart(node);
                planner = starting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                try (Clients clients = new Clients(kafka.bootstrapServers())) {
                    clients.send(Topics.REPLICAS, REPLICA, ReplicaRegistered.of(REPLICA, "lab",
                            List.of(new Subscription(IMAGE, 3)), "icbd", "SHA256:it", "it", Instant.now()));
                    clients.send(Topics.REPLICA_STATE, new PairKey(REPLICA, IMAGE).toString(),
                            ReplicaImageState.of(REPLICA, IMAGE, List.of(), Optional.empty(), Optional.empty(),
                                    Instant.now()));
                    clients.publish(1);
                    clients.awaitTask(t -> t.target() == 1);
                }

                // A version published, and the broker stopped while the planner plans it, for a few seconds
                // (as a service manager restarts it): the version is planned once the broker is back.
                try (Clients clients = new Clients(kafka.bootstrapServers())) {
                    clients.publish(2);
                }
                kafka.stop(node);
                await("the broker stays down").pollDelay(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6))
                        .until(() -> true);
                kafka.restart(node);
                long back = System.nanoTime();
                try (Clients clients = new Clients(kafka.bootstrapServers())) {
                    clients.awaitTask(t -> t.target() == 2);
                    LOG.info("a version published as the broker stopped for 5 s became a task {} ms after it was back",
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back));
                }

                // A running planner, the broker away for longer than max.block.ms, then back on the same port.
                kafka.stop(node);
                Duration away = MAX_BLOCK.plusSeconds(5);
                await("the broker stays down").pollDelay(away).atMost(away.plusSeconds(1)).until(() -> true);
                kafka.restart(node);
                try (Clients clients = new Clients(kafka.bootstrapServers())) {
                    long sent = System.nanoTime();
                    clients.publish(3);
                    ReplicationTask task = clients.awaitTask(t -> t.target() == 3);
                    LOG.info("after {} s without the broker, a new version became a task in {} ms", away.toSeconds(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                    assertEquals(List.of(1, 2, 3), task.steps().stream().map(s -> s.version()).toList());
                }
            } finally {
                if (planner != null) {
                    planner.close();
                } else {
                    starting.thenAccept(PlannerApplication::close);
                }
            }
        }
    }

    /** A producer of inputs and a reader of tasks, created while the broker is up. */
    private static final class Clients implements AutoCloseable {

        private final KafkaProducer<String, byte[]> producer;
        private final TopicReader<String, ReplicationTask> tasks;
        private final List<ReplicationTask> seen = new ArrayList<>();

        Clients(String bootstrapServers) {
            KafkaClientSettings kafka = KafkaClientSettings.of(bootstrapServers);
            producer = new KafkaProducer<>(kafka.producerConfig("planner-outage-it"), new StringSerializer(),
                    new ByteArraySerializer());
            tasks = TopicReader.open(kafka, "planner-outage-it-tasks-" + UUID.randomUUID(), Topics.REPLICATION_TASKS,
                    Duration.ofSeconds(60));
        }

        void publish(int version) throws Exception {
            Optional<Integer> parent = version > 1 ? Optional.of(version - 1) : Optional.empty();
            send(Topics.IMAGE_VERSIONS, IMAGE, ImageVersionPublished.of(IMAGE, version, uuid(version), parent,
                    parent.map(PlannerOutageIT::uuid), 1L << 20, Instant.now(), "master"));
        }

        <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
            producer.send(new ProducerRecord<>(topic.name(), key,
                    topic.valueSerde().serializer().serialize(topic.name(), value))).get(60, TimeUnit.SECONDS);
        }

        ReplicationTask awaitTask(Predicate<ReplicationTask> wanted) {
            return await("a task for " + REPLICA).atMost(WAIT).until(() -> {
                tasks.poll(Duration.ofMillis(200), r -> {
                    if (r instanceof TopicRecord.Read<String, ReplicationTask> read && !read.isTombstone()) {
                        seen.add(read.value());
                    }
                });
                return seen.stream().filter(t -> t.replicaId().equals(REPLICA)).filter(wanted).findFirst();
            }, Optional::isPresent).orElseThrow();
        }

        @Override
        public void close() {
            producer.close();
            tasks.close();
        }
    }

    private static String uuid(int version) {
        return UUID.nameUUIDFromBytes((IMAGE + "@" + version).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
