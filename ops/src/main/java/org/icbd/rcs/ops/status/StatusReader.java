package org.icbd.rcs.ops.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.topic.EventFormatException;
import org.icbd.rcs.topic.JsonSerde;
import org.icbd.rcs.topic.Topics;

/**
 * Reads {@code icbd.replication-status} from the beginning into a {@link StatusBoard}, without a
 * consumer group (reading status must not disturb anything). A record this build cannot read is
 * reported to {@code onBadRecord} and skipped.
 */
public final class StatusReader implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final Consumer<String> onBadRecord;

    /**
     * @throws TimeoutException when the broker does not answer within {@code timeout}
     */
    public StatusReader(String bootstrap, Duration timeout, Consumer<String> onBadRecord) {
        this.onBadRecord = onBadRecord;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "icbd-status");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.REPLICATION_STATUS.name(), timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + Topics.REPLICATION_STATUS.name()
                        + " does not exist on " + bootstrap + ": is the planner deployed?");
            }
            partitions = new ArrayList<>();
            infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /** Reads everything up to the current end of the topic. */
    public void catchUp(StatusBoard board, Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("reading " + Topics.REPLICATION_STATUS.name() + " did not reach its end within "
                        + timeout);
            }
            poll(board, Duration.ofMillis(200));
        }
    }

    /** Polls once; returns true when the board changed. */
    public boolean poll(StatusBoard board, Duration wait) {
        boolean changed = false;
        @SuppressWarnings("unchecked")
        JsonSerde<ReplicationStatus> serde = (JsonSerde<ReplicationStatus>) Topics.REPLICATION_STATUS.valueSerde();
        for (ConsumerRecord<String, byte[]> r : consumer.poll(wait)) {
            try {
                changed |= board.apply(r.key(), r.value() == null ? null : serde.read(r.topic(), r.value()));
            } catch (EventFormatException | IllegalArgumentException e) {
                onBadRecord.accept(r.topic() + "-" + r.partition() + "@" + r.offset() + " skipped: " + e.getMessage());
            }
        }
        return changed;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : partitions) {
            positions.put(tp, consumer.position(tp));
        }
        return end.entrySet().stream().allMatch(e -> positions.get(e.getKey()) >= e.getValue());
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
