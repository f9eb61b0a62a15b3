package org.icbd.rcs.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;

/**
 * The test's side of Kafka: plays the planner (produces tasks) and reads what replicas publish.
 * Reading is done in the test's thread, a little at each call, so that Awaitility conditions can
 * simply ask again.
 */
public final class KafkaProbe implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();

    public KafkaProbe(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (Topic<String, ?> topic : List.of(Topics.REPLICAS, Topics.REPLICA_STATE, Topics.DEAD_LETTERS)) {
            consumer.partitionsFor(topic.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Publishes a task as the planner would, keyed by its replica, and waits for the ack. */
    public void send(ReplicationTask task) {
        sendRaw(task.replicaId(), Topics.REPLICATION_TASKS.valueSerde().serializer()
                .serialize(Topics.REPLICATION_TASKS.name(), task));
    }

    /** Publishes any bytes to the task topic. */
    public void sendRaw(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(Topics.REPLICATION_TASKS.name(), key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish to " + Topics.REPLICATION_TASKS.name(), e);
        }
    }

    /** Every state published for the pair so far, in order. */
    public List<ReplicaImageState> states(String replicaId, String image) {
        return read(Topics.REPLICA_STATE, new PairKey(replicaId, image).toString());
    }

    /** The latest state of the pair, or null. */
    public ReplicaImageState latest(String replicaId, String image) {
        List<ReplicaImageState> states = states(replicaId, image);
        return states.isEmpty() ? null : states.get(states.size() - 1);
    }

    public List<ReplicaRegistered> registrations(String replicaId) {
        return read(Topics.REPLICAS, replicaId);
    }

    public List<DeadLetter> deadLetters(String key) {
        return read(Topics.DEAD_LETTERS, key);
    }

    private <V> List<V> read(Topic<String, V> topic, String key) {
        poll();
        return seen.stream().filter(r -> r.topic().equals(topic.name()) && key.equals(r.key()) && r.value() != null)
                .map(r -> topic.valueSerde().deserializer().deserialize(topic.name(), r.value()))
                .collect(Collectors.toList());
    }

    private void poll() {
        consumer.poll(Duration.ofMillis(100)).forEach(seen::add);
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
