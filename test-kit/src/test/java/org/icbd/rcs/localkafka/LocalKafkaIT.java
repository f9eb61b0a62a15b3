package org.icbd.rcs.localkafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serdes;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ErrorClass;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The broker of {@link LocalKafkaExtension}, with the project's topics, against real clients. */
class LocalKafkaIT {

    /** Short segments, so that the compaction test sees the cleaner work within seconds. */
    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension(
            LocalKafka.builder().segmentRoll(Duration.ofMillis(500)), LocalKafka.DEFAULT_PARTITIONS);

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String U1 = "0d6f7a3c-2b1e-4c5d-9e8f-1a2b3c4d5e6f";
    private static final String U2 = "7e1c9b2a-4d3f-4e5a-8b6c-2d3e4f5a6b7c";
    private static final String U3 = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
    private static final Instant T = Instant.parse("2026-11-22T10:15:30.123456Z");
    private static final String REPLICA = "lab-110-a";
    private static final String PAIR = new PairKey(REPLICA, "ubuntu").toString();

    @Test
    void projectTopicsExistWithTheSettingsOfTheirDescriptors(LocalKafka kafka) throws Exception {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            List<String> names = Topics.ALL.stream().map(Topic::name).toList();
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            for (String name : names) {
                assertEquals(LocalKafka.DEFAULT_PARTITIONS, descriptions.get(name).partitions().size(), name);
            }
            List<ConfigResource> resources = names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            for (Topic<String, ?> topic : Topics.ALL) {
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
                topic.config().forEach((key, expected) -> assertEquals(expected, config.get(key).value(),
                        topic.name() + " " + key));
            }
            Config replicas = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, Topics.REPLICAS.name()));
            assertEquals("compact", replicas.get("cleanup.policy").value());
        }
    }

    @Test
    void ensuringTheTopicsAgainChangesNothing(LocalKafka kafka) {
        TopicAdmin.Result again = kafka.ensureTopics(Topics.ALL, 1);

        assertEquals(List.of(), again.created());
        assertEquals(Topics.ALL.stream().map(Topic::name).toList(), again.existing());
        assertEquals(List.of(), again.mismatches());
    }

    @Test
    void anExistingTopicWithOtherSettingsIsReportedNotChanged(LocalKafka kafka) {
        String name = "it.settings-" + UUID.randomUUID();
        Topic<String, String> asDeleted = stringTopic(name, Map.of("cleanup.policy", "delete"));
        Topic<String, String> asCompacted = stringTopic(name, Map.of("cleanup.policy", "compact"));
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            assertEquals(List.of(name), TopicAdmin.ensureTopics(admin, List.of(asDeleted), 1, (short) 1).created());

            TopicAdmin.Result result = TopicAdmin.ensureTopics(admin, List.of(asCompacted), 1, (short) 1);

            assertEquals(List.of(name), result.existing());
            assertEquals(List.of(new TopicAdmin.Mismatch(name, "cleanup.policy", "compact", "delete")),
                    result.mismatches());
        }
    }

    @Test
    void everyEventTypeRoundTripsThroughItsTopicsSerdes(LocalKafka kafka) {
        Map<String, List<ImageVersionEvent>> imageVersions = Map.of("ubuntu", List.of(
                ImageVersionPublished.of("ubuntu", 2, U2, Optional.of(1), Optional.of(U1), 130_000_000L, T,
                        "master-a"),
                ImageVersionRetired.of("ubuntu", 1, U1, T, "master-a")));
        Map<String, List<ReplicaRegistered>> replicas = Map.of(REPLICA, List.of(
                ReplicaRegistered.of(REPLICA, "lab-110",
                        List.of(new Subscription("ubuntu", 3), new Subscription("win11", 1)), "icbd",
                        "SHA256:q3Jx0p9m4v3pC7a9m0Zb8uKXh3r5yY0pP1sQ2wE3rT4", "icbd-rcs 0.1.0", T)));
        Map<String, List<ReplicaImageState>> states = Map.of(PAIR, List.of(
                ReplicaImageState.of(REPLICA, "ubuntu", List.of(new HeldVersion(1, U1)),
                        Optional.of(StepReport.failed("t-43", 2, ErrorClass.TRANSIENT,
                                "connection to master 10.0.0.1:2222 lost after 1048576 bytes", 1_048_576L, 912L)),
                        Optional.empty(), T)));
        Map<String, List<ReplicationTask>> tasks = Map.of(REPLICA, List.of(
                ReplicationTask.of("t-42", REPLICA, "ubuntu", List.of(1),
                        List.of(TransferStep.delta(1, U1, 2, U2), TransferStep.delta(2, U2, 3, U3)),
                        Compression.LZ4, T)));
        Map<String, List<ReplicationStatus>> statuses = Map.of(PAIR, List.of(
                ReplicationStatus.of(REPLICA, "lab-110", "ubuntu", Optional.of(3), List.of(1, 2), List.of(3),
                        ReplicationState.FAILED, 1, Optional.of(T), Optional.of("verify failed: received_uuid differs"),
                        Optional.empty(), T)));
        Map<String, List<DeadLetter>> deadLetters = Map.of("ubuntu", List.of(
                DeadLetter.of(Topics.IMAGE_VERSIONS.name(), 0, 17L, "{not json".getBytes(StandardCharsets.UTF_8),
                        "ImageVersionEvent: not JSON", "planner", T),
                DeadLetter.of(Topics.IMAGE_VERSIONS.name(), 1, 18L, new byte[] {(byte) 0xff, 0, 1},
                        "ImageVersionEvent: not JSON", "planner", T)));

        produce(kafka, Topics.IMAGE_VERSIONS, imageVersions);
        produce(kafka, Topics.REPLICAS, replicas);
        produce(kafka, Topics.REPLICA_STATE, states);
        produce(kafka, Topics.REPLICATION_TASKS, tasks);
        produce(kafka, Topics.REPLICATION_STATUS, statuses);
        produce(kafka, Topics.DEAD_LETTERS, deadLetters);

        assertEquals(imageVersions, consume(kafka, Topics.IMAGE_VERSIONS, 2, "read_uncommitted"));
        assertEquals(replicas, consume(kafka, Topics.REPLICAS, 1, "read_uncommitted"));
        assertEquals(states, consume(kafka, Topics.REPLICA_STATE, 1, "read_uncommitted"));
        assertEquals(tasks, consume(kafka, Topics.REPLICATION_TASKS, 1, "read_uncommitted"));
        assertEquals(statuses, consume(kafka, Topics.REPLICATION_STATUS, 1, "read_uncommitted"));
        assertEquals(deadLetters, consume(kafka, Topics.DEAD_LETTERS, 2, "read_uncommitted"));
    }

    /** Exactly-once needs the transaction state topic, which a single node can host only with RF 1. */
    @Test
    void transactionsCommitAndAbort(LocalKafka kafka) {
        String name = "it.transactions-" + UUID.randomUUID();
        Topic<String, String> topic = stringTopic(name, Map.of("cleanup.policy", "delete"));
        kafka.ensureTopics(List.of(topic), 1);
        Map<String, Object> config = new LinkedHashMap<>(producerConfig(kafka));
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-" + UUID.randomUUID());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, topic.keySerde().serializer(),
                topic.valueSerde().serializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(name, "k", "aborted"));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(name, "k", "committed"));
            producer.commitTransaction();
        }

        assertEquals(Map.of("k", List.of("committed")), consume(kafka, topic, 1, "read_committed"));
    }

    @Test
    void aCompactedTopicIsCompactedWithinSeconds(LocalKafka kafka) {
        String name = "it.compaction-" + UUID.randomUUID();
        Topic<String, String> topic = stringTopic(name, Map.of("cleanup.policy", "compact"));
        kafka.ensureTopics(List.of(topic), 1);
        TopicPartition partition = new TopicPartition(name, 0);
        try (KafkaProducer<String, String> producer = producer(kafka, topic);
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(kafka, "read_uncommitted"),
                     topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            for (int i = 1; i <= 5; i++) {
                producer.send(new ProducerRecord<>(name, "a", "a" + i));
            }
            producer.send(new ProducerRecord<>(name, "b", "b1"));
            producer.flush();
            consumer.assign(List.of(partition));
            assertEquals(6, readAll(consumer, partition).size());

            // The cleaner never touches the active segment: each poll appends a record, which rolls
            // the segment once it is older than the broker's segment roll time.
            await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(250)).until(() -> {
                producer.send(new ProducerRecord<>(name, "tick", "t")).get();
                return readAll(consumer, partition).stream().filter(r -> r.key().equals("a")).count() == 1;
            });
            List<ConsumerRecord<String, String>> left = readAll(consumer, partition);
            Map<String, String> latest = left.stream().filter(r -> !r.key().equals("tick"))
                    .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertEquals(Map.of("a", "a5", "b", "b1"), latest);
        }
    }

    private static <V> void produce(LocalKafka kafka, Topic<String, V> topic, Map<String, List<V>> records) {
        try (KafkaProducer<String, V> producer = producer(kafka, topic)) {
            records.forEach((key, values) -> values.forEach(value -> {
                try {
                    producer.send(new ProducerRecord<>(topic.name(), key, value)).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("could not produce " + key + " to " + topic.name(), e);
                }
            }));
        }
    }

    /** Reads {@code count} records from the start of {@code topic} in a new consumer group. */
    private static <V> Map<String, List<V>> consume(LocalKafka kafka, Topic<String, V> topic, int count,
                                                     String isolation) {
        Map<String, List<V>> byKey = new LinkedHashMap<>();
        List<ConsumerRecord<String, V>> seen = new ArrayList<>();
        Map<String, Object> config = new LinkedHashMap<>(consumerConfig(kafka, isolation));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.size() >= count;
            });
            // Nothing beyond what was sent.
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        }
        seen.forEach(r -> byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
        return byKey;
    }

    private static List<ConsumerRecord<String, String>> readAll(KafkaConsumer<String, String> consumer,
                                                               TopicPartition partition) {
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            return consumer.position(partition) >= end;
        });
        return records;
    }

    private static <V> KafkaProducer<String, V> producer(LocalKafka kafka, Topic<String, V> topic) {
        return new KafkaProducer<>(producerConfig(kafka), topic.keySerde().serializer(),
                topic.valueSerde().serializer());
    }

    private static Map<String, Object> producerConfig(LocalKafka kafka) {
        Map<String, Object> config = new LinkedHashMap<>(kafka.clientConfig());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    private static Map<String, Object> consumerConfig(LocalKafka kafka, String isolation) {
        Map<String, Object> config = new LinkedHashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return config;
    }

    private static Topic<String, String> stringTopic(String name, Map<String, String> config) {
        return new Topic<>(name, Serdes.String(), Serdes.String(), config);
    }
}
