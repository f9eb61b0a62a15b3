package org.icbd.rcs.replica.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.topic.Topics;

/**
 * The replica's Kafka consumer of {@code icbd.replication-tasks}.
 *
 * <p>The group ({@code icbd-replica-<id>} by default) has this one (static) member, so there is
 * nobody to rebalance to: {@code max.poll.interval.ms} is unbounded, as one task may take hours.
 */
final class KafkaTaskSource implements TaskSource {

    private final KafkaConsumer<String, byte[]> consumer;

    KafkaTaskSource(String replicaId, KafkaClientSettings kafka, String groupId) {
        // The consumer role fixes read_committed, no auto-commit and the group; a group without offsets
        // starts at the beginning, so a task issued before this replica's first poll is not missed.
        Map<String, Object> config = new HashMap<>();
        // Static membership: a replica restarted after a crash takes its partitions back at once instead
        // of waiting for its dead predecessor's session to expire; a second live replica with the same
        // id is fenced rather than sharing the tasks.
        config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "icbd-replica-" + replicaId);
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Integer.MAX_VALUE);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
        this.consumer = new KafkaConsumer<>(kafka.consumerConfig("icbd-replica-" + replicaId + "-tasks", groupId, config),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void subscribe() {
        consumer.subscribe(List.of(Topics.REPLICATION_TASKS.name()));
    }

    @Override
    public ConsumerRecords<String, byte[]> poll(Duration timeout) {
        return consumer.poll(timeout);
    }

    @Override
    public void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        consumer.commitSync(offsets);
    }

    @Override
    public void seek(TopicPartition partition, long offset) {
        consumer.seek(partition, offset);
    }

    @Override
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close(Duration timeout) {
        consumer.close(timeout);
    }
}
