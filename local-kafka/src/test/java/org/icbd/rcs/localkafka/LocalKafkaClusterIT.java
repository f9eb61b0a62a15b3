package org.icbd.rcs.localkafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Three KRaft nodes in this JVM: replication with RF 3 and min ISR 2, a node stopped and restarted. */
class LocalKafkaClusterIT {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaClusterIT.class);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "it.cluster";

    @Test
    void aNodeDownLeavesAcksAllWritesAndReadsWorkingAndTheRestartedNodeRejoinsTheIsr() throws Exception {
        try (LocalKafka kafka = LocalKafka.builder().brokers(3).start()) {
            LOG.info("3-node cluster ready on {} in {} ms", kafka.bootstrapServers(), kafka.startupTime().toMillis());
            assertEquals(List.of(1, 2, 3), kafka.nodeIds());
            assertEquals(IntStream.of(1, 2, 3).mapToObj(id -> "127.0.0.1:" + kafka.port(id))
                    .collect(Collectors.joining(",")), kafka.bootstrapServers());
            assertEquals((short) 3, kafka.replicationFactor());
            assertEquals(2, kafka.minInsyncReplicas());

            Topic<String, String> topic = new Topic<>(TOPIC, Serdes.String(), Serdes.String(),
                    Map.of("cleanup.policy", "delete"));
            List<Topic<?, ?>> all = new ArrayList<>(Topics.ALL);
            all.add(topic);
            TopicAdmin.Result created = kafka.ensureTopics(all, 3);
            assertEquals(all.stream().map(Topic::name).toList(), created.created());

            try (Admin admin = Admin.create(kafka.clientConfig())) {
                List<String> names = all.stream().map(Topic::name).toList();
                Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                        .get(30, TimeUnit.SECONDS);
                for (String name : names) {
                    assertEquals(3, described.get(name).partitions().size(), name);
                    described.get(name).partitions().forEach(p -> assertEquals(3, p.replicas().size(), name + " " + p));
                }
                Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all()
                        .get(30, TimeUnit.SECONDS);
                configs.forEach((resource, config) -> assertEquals("2", config.get("min.insync.replicas").value(),
                        resource.name()));

                // Exactly-once needs the transaction state topic: RF 3 and min ISR 2 here.
                try (KafkaProducer<String, String> producer = producer(kafka, Map.of(
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-" + UUID.randomUUID()))) {
                    producer.initTransactions();
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>(TOPIC, "k-tx", "in a transaction"));
                    producer.commitTransaction();
                }
                produce(kafka, "before", 10);
                // The group's first read creates the offsets topic, which needs all three nodes.
                assertEquals(11, consume(kafka, "group-before", 11).size());

                int leader = described.get(TOPIC).partitions().get(0).leader().id();
                long t0 = System.nanoTime();
                kafka.stop(leader);
                LOG.info("Stopped node {}, the leader of {}-0, in {} ms", leader, TOPIC, millisSince(t0));
                assertFalse(kafka.running(leader));
                assertThrows(IllegalStateException.class, () -> kafka.stop(leader));

                produce(kafka, "while-down", 10);
                assertEquals(21, consume(kafka, "group-while-down", 21).size());
                await("the ISR without node " + leader).atMost(WAIT)
                        .until(() -> isrSizes(admin, TOPIC).stream().allMatch(n -> n == 2));

                t0 = System.nanoTime();
                kafka.restart(leader);
                assertTrue(kafka.running(leader));
                await("node " + leader + " back in every ISR").atMost(WAIT)
                        .until(() -> isrSizes(admin, TOPIC).stream().allMatch(n -> n == 3)
                                && isrSizes(admin, "__consumer_offsets").stream().allMatch(n -> n == 3));
                LOG.info("Node {} restarted and back in every ISR in {} ms", leader, millisSince(t0));
                assertThrows(IllegalStateException.class, () -> kafka.restart(leader));
            }
            produce(kafka, "after", 5);
            assertEquals(26, consume(kafka, "group-after", 26).size());
        }
    }

    private static KafkaProducer<String, String> producer(LocalKafka kafka, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putAll(extra);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** Writes {@code count} records with acks=all and waits for every acknowledgement. */
    private static void produce(LocalKafka kafka, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = producer(kafka, Map.of())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, prefix + "-" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads the topic from the beginning in a new group until {@code expected} records arrived. */
    private static List<String> consume(LocalKafka kafka, String group, int expected) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group + "-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
                return keys.size() >= expected;
            });
            consumer.commitSync();
        }
        return keys;
    }

    private static List<Integer> isrSizes(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .partitions().stream().map(TopicPartitionInfo::isr).map(List::size).toList();
    }

    private static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }
}
