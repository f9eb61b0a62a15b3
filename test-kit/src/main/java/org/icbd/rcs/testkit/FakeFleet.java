package org.icbd.rcs.testkit;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;

import static org.icbd.rcs.topic.Topics.REPLICAS;
import static org.icbd.rcs.topic.Topics.REPLICATION_STATUS;
import static org.icbd.rcs.topic.Topics.REPLICA_STATE;

/**
 * A fleet that exists only as records: writes what replicas and the planner would write to
 * {@code icbd.replicas}, {@code icbd.replica-state} and {@code icbd.replication-status}, so that
 * the master's view of the fleet can be tested without running replicas. Each write waits for the
 * acknowledgement.
 */
public final class FakeFleet implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;

    public FakeFleet(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    /** A registration of {@code replicaId} subscribed to {@code image}, last seen {@code lastSeen}. */
    public static ReplicaRegistered registration(String replicaId, String image, Instant lastSeen) {
        return ReplicaRegistered.of(replicaId, "site-" + replicaId, List.of(new Subscription(image, 2)), "icbd",
                "SHA256:q3Jx0p9m4v3pC7a9m0Zb8uKXh3r5yY0pP1sQ2wE3rT4", "icbd-rcs test", lastSeen);
    }

    /** A state of {@code replicaId} holding {@code held} of {@code image} (with made-up uuids). */
    public static ReplicaImageState state(String replicaId, String image, int... held) {
        List<HeldVersion> versions = Arrays.stream(held)
                .mapToObj(v -> new HeldVersion(v, String.format("00000000-0000-0000-0000-%012d", v))).toList();
        return ReplicaImageState.of(replicaId, image, versions, Optional.empty(), Optional.empty(), Instant.now());
    }

    /** A status of the pair in {@code state}. */
    public static ReplicationStatus status(String replicaId, String image, ReplicationState state, Instant at) {
        return ReplicationStatus.of(replicaId, "site-" + replicaId, image, Optional.empty(), List.of(), List.of(),
                state, 0, Optional.empty(), Optional.empty(), Optional.empty(), at);
    }

    /**
     * An online replica subscribed to {@code image} holding {@code held}: its registration (seen
     * now), its state and an IN_SYNC status.
     */
    public void replica(String replicaId, String image, int... held) {
        send(REPLICAS, replicaId, registration(replicaId, image, Instant.now()));
        send(REPLICA_STATE, new PairKey(replicaId, image).toString(), state(replicaId, image, held));
        send(REPLICATION_STATUS, new PairKey(replicaId, image).toString(),
                status(replicaId, image, ReplicationState.IN_SYNC, Instant.now()));
    }

    /** A replica subscribed to {@code image} holding {@code held}, OFFLINE since {@code lastSeen}. */
    public void offlineReplica(String replicaId, String image, Instant lastSeen, int... held) {
        send(REPLICAS, replicaId, registration(replicaId, image, lastSeen));
        send(REPLICA_STATE, new PairKey(replicaId, image).toString(), state(replicaId, image, held));
        send(REPLICATION_STATUS, new PairKey(replicaId, image).toString(),
                status(replicaId, image, ReplicationState.OFFLINE, Instant.now()));
    }

    /** Writes one record and waits for the acknowledgement. */
    public <V> void send(Topic<String, V> topic, String key, V value) {
        byte[] bytes = value == null ? null : topic.valueSerde().serializer().serialize(topic.name(), value);
        try {
            producer.send(new ProducerRecord<>(topic.name(), key, bytes)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish to " + topic.name(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
