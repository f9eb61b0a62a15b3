package org.icbd.rcs.replica.report;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a replica writes to Kafka, through one idempotent producer with {@code acks=all}: its
 * registration and heartbeats, its per-image state, and the records it could not use. The
 * {@code publish*} methods return only once the broker acknowledged the record, since the caller
 * commits offsets (or declares itself started) on that basis.
 */
public final class ReplicaPublisher implements ReplicaReports, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaPublisher.class);

    private final String replicaId;
    private final Duration ackTimeout;
    private final KafkaProducer<String, byte[]> producer;

    /**
     * @param kafka the cluster and pass-through client settings (TLS, SASL...); idempotence and
     *              {@code acks=all} are the producer role's fixed settings
     */
    public ReplicaPublisher(String replicaId, KafkaClientSettings kafka, Duration ackTimeout) {
        this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
        this.ackTimeout = Objects.requireNonNull(ackTimeout, "ackTimeout");
        // A send that cannot even get metadata fails within the ack timeout instead of blocking 60 s.
        Map<String, Object> config = kafka.producerConfig("icbd-replica-" + replicaId, Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, ackTimeout.toMillis())));
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** Publishes the registration (or a heartbeat of it) and waits for the acknowledgement. */
    public void publishRegistration(ReplicaRegistered registration) {
        await(send(Topics.REPLICAS, registration.replicaId(), registration), "registration of " + replicaId);
    }

    /** Publishes a heartbeat without waiting; a failure is logged, the next heartbeat tries again. */
    public void publishHeartbeat(ReplicaRegistered registration) {
        send(Topics.REPLICAS, registration.replicaId(), registration, (metadata, e) -> {
            if (e != null) {
                log.warn("replica {}: heartbeat not published: {}", replicaId, e.toString());
            }
        });
    }

    /** Publishes the state of one image and waits for the acknowledgement. */
    @Override
    public void publishState(ReplicaImageState state) {
        await(send(Topics.REPLICA_STATE, key(state), state), "state of " + key(state));
    }

    /** Publishes a progress state without waiting; a failure is logged, the next tick tries again. */
    @Override
    public void publishProgress(ReplicaImageState state) {
        send(Topics.REPLICA_STATE, key(state), state, (metadata, e) -> {
            if (e != null) {
                log.warn("replica {}: progress of {} not published: {}", replicaId, key(state), e.toString());
            }
        });
    }

    /** Publishes a record this replica could not use, under its original key, and waits. */
    @Override
    public void publishDeadLetter(String originalKey, DeadLetter letter) {
        await(send(Topics.DEAD_LETTERS, originalKey, letter),
                "dead letter for " + letter.topic() + "-" + letter.partition() + "@" + letter.offset());
    }

    private static String key(ReplicaImageState state) {
        return new PairKey(state.replicaId(), state.image()).toString();
    }

    private <V> Future<RecordMetadata> send(Topic<String, V> topic, String key, V value) {
        return send(topic, key, value, null);
    }

    private <V> Future<RecordMetadata> send(Topic<String, V> topic, String key, V value,
                                            org.apache.kafka.clients.producer.Callback callback) {
        byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        return producer.send(new ProducerRecord<>(topic.name(), key, bytes), callback);
    }

    private void await(Future<RecordMetadata> future, String what) {
        try {
            RecordMetadata m = future.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
            log.debug("replica {}: published {} to {}-{}@{}", replicaId, what, m.topic(), m.partition(), m.offset());
        } catch (ExecutionException e) {
            throw new PublishException("publishing the " + what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new PublishException("publishing the " + what + " was not acknowledged within " + ackTimeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing the " + what, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
