package org.icbd.rcs.replica.service;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The consumer operations the task loop uses, as {@link KafkaTaskSource} implements them over a
 * {@code KafkaConsumer}: the loop's thread calls all of them but {@link #wakeup()}, which any
 * thread may call to end a blocking {@link #poll} with a {@code WakeupException}.
 */
interface TaskSource {

    /** Subscribes to {@code icbd.replication-tasks}. */
    void subscribe();

    ConsumerRecords<String, byte[]> poll(Duration timeout);

    /** Commits {@code offsets} and waits for the broker's answer. */
    void commit(Map<TopicPartition, OffsetAndMetadata> offsets);

    /** Makes the next poll of {@code partition} start at {@code offset}. */
    void seek(TopicPartition partition, long offset);

    void wakeup();

    /** Leaves the group and releases the client, waiting at most {@code timeout}. */
    void close(Duration timeout);
}
