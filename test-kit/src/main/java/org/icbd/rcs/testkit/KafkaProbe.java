package org.icbd.rcs.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topics;

/**
 * The test's side of Kafka: plays the planner (produces tasks) and reads what replicas publish.
 * Reading is done in the test's thread, a little at each call, so that Awaitility conditions can
 * simply ask again.
 */
public final class KafkaProbe implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaProducer<String, byte[]> producer;
    private final Follower<ReplicaRegistered> registrations;
    private final Follower<ReplicaImageState> states;
    private final Follower<DeadLetter> deadLetters;

    public KafkaProbe(String bootstrapServers) {
        KafkaClientSettings kafka = KafkaClientSettings.of(bootstrapServers);
        producer = new KafkaProducer<>(kafka.producerConfig("kafka-probe"), new StringSerializer(),
                new ByteArraySerializer());
        registrations = new Follower<>(TopicReader.open(kafka, "kafka-probe-replicas", Topics.REPLICAS, TIMEOUT));
        states = new Follower<>(TopicReader.open(kafka, "kafka-probe-states", Topics.REPLICA_STATE, TIMEOUT));
        deadLetters = new Follower<>(TopicReader.open(kafka, "kafka-probe-dead-letters", Topics.DEAD_LETTERS, TIMEOUT));
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
        return states.values(new PairKey(replicaId, image).toString());
    }

    /** The latest state of the pair, or null. */
    public ReplicaImageState latest(String replicaId, String image) {
        List<ReplicaImageState> all = states(replicaId, image);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    public List<ReplicaRegistered> registrations(String replicaId) {
        return registrations.values(replicaId);
    }

    public List<DeadLetter> deadLetters(String key) {
        return deadLetters.values(key);
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } finally {
            try {
                registrations.reader.close();
            } finally {
                try {
                    states.reader.close();
                } finally {
                    deadLetters.reader.close();
                }
            }
        }
    }

    /** One topic followed from its beginning: what was read so far, a little more at each call. */
    private static final class Follower<V> {

        private final TopicReader<String, V> reader;
        private final List<TopicRecord.Read<String, V>> seen = new ArrayList<>();

        Follower(TopicReader<String, V> reader) {
            this.reader = reader;
        }

        /** The values (tombstones left out) published under {@code key} so far, in order. */
        List<V> values(String key) {
            reader.poll(POLL, r -> {
                if (r instanceof TopicRecord.Read<String, V> read) {
                    seen.add(read);
                } else {
                    throw new IllegalStateException("unreadable record " + r.where() + ": "
                            + ((TopicRecord.Unreadable<String, V>) r).error().getMessage());
                }
            });
            return seen.stream().filter(r -> key.equals(r.key()) && !r.isTombstone()).map(TopicRecord.Read::value)
                    .toList();
        }
    }
}
