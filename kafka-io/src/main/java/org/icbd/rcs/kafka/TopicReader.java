package org.icbd.rcs.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.icbd.rcs.topic.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one {@link Topic} from its beginning, typed by the topic's own serdes: every partition
 * assigned, no consumer group, nothing committed, {@code read_committed}, so reading disturbs
 * nobody. {@link #readToEnd} reads to the end offsets captured when it is called;
 * {@link #poll} follows the topic beyond them.
 *
 * <p>Records are fetched as bytes and decoded one by one, so a record the serdes reject is
 * handed over as {@link TopicRecord.Unreadable} instead of stopping the read.
 *
 * <pre>{@code
 * for (TopicRecord<String, ImageVersionEvent> r : TopicReader.readAll(kafka, "icbd-republish",
 *         Topics.IMAGE_VERSIONS, Duration.ofSeconds(15))) { ... }
 * }</pre>
 */
public final class TopicReader<K, V> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopicReader.class);

    private static final Duration POLL = Duration.ofMillis(200);

    private final Topic<K, V> topic;
    private final Duration timeout;
    private final String bootstrapServers;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;

    private TopicReader(Topic<K, V> topic, Duration timeout, String bootstrapServers,
                        KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
        this.topic = topic;
        this.timeout = timeout;
        this.bootstrapServers = bootstrapServers;
        this.consumer = consumer;
        this.partitions = partitions;
    }

    /**
     * Opens a reader positioned at the beginning of every partition of {@code topic}.
     *
     * @param timeout bounds each wait on the cluster, and a {@link #readToEnd} that makes no progress
     * @throws UnknownTopicOrPartitionException when the topic does not exist
     * @throws TimeoutException when the cluster does not answer within {@code timeout}
     */
    public static <K, V> TopicReader<K, V> open(KafkaClientSettings kafka, String clientId, Topic<K, V> topic,
                                                Duration timeout) {
        Objects.requireNonNull(topic, "topic");
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("timeout must be positive and below 24 days, got " + timeout);
        }
        int millis = (int) timeout.toMillis();
        Map<String, Object> config = kafka.readerConfig(clientId, Map.of(
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis,
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(millis, 30_000)));
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), timeout);
            if (infos == null || infos.isEmpty()) {
                throw new UnknownTopicOrPartitionException("topic " + topic.name() + " does not exist at "
                        + kafka.bootstrapServers());
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return new TopicReader<>(topic, timeout, kafka.bootstrapServers(), consumer, List.copyOf(partitions));
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * Every record of {@code topic} from the beginning to the end it has when called, in offset
     * order per partition.
     *
     * @throws UnknownTopicOrPartitionException when the topic does not exist
     * @throws TimeoutException when the cluster does not answer, or the read makes no progress, for {@code timeout}
     */
    public static <K, V> List<TopicRecord<K, V>> readAll(KafkaClientSettings kafka, String clientId,
                                                         Topic<K, V> topic, Duration timeout) {
        List<TopicRecord<K, V>> records = new ArrayList<>();
        try (TopicReader<K, V> reader = open(kafka, clientId, topic, timeout)) {
            reader.readToEnd(records::add);
        }
        return records;
    }

    public Topic<K, V> topic() {
        return topic;
    }

    /**
     * Hands every record from the current positions up to the end offsets captured now to
     * {@code sink}, then returns how many it handed over. Transaction markers and aborted records
     * count as progress but are never handed over.
     *
     * @throws TimeoutException when the positions do not advance for the reader's timeout
     */
    public long readToEnd(Consumer<? super TopicRecord<K, V>> sink) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long count = 0;
        long position = positions();
        long lastProgress = System.nanoTime();
        while (!reached(end)) {
            count += poll(POLL, sink);
            long now = positions();
            if (now != position) {
                position = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > timeout.toNanos()) {
                throw new TimeoutException("reading " + topic.name() + " at " + bootstrapServers
                        + " made no progress for " + timeout.toMillis() + " ms (at " + positionsByPartition()
                        + ", end " + end + ")");
            }
        }
        log.debug("read {} records of {} up to offsets {}", count, topic.name(), end);
        return count;
    }

    /**
     * Moves every position to the partition's current end, so that only records written from now
     * on are read; for a reader that waits for something new without reading a topic's history.
     */
    public void skipToEnd() {
        consumer.seekToEnd(partitions);
        positions();
    }

    /** Polls once, waiting up to {@code wait}; hands what arrived to {@code sink} and returns how many. */
    public int poll(Duration wait, Consumer<? super TopicRecord<K, V>> sink) {
        int count = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
            sink.accept(decode(topic, record));
            count++;
        }
        return count;
    }

    /** Reads one raw record with the topic's serdes; never throws for what the serdes reject. */
    public static <K, V> TopicRecord<K, V> decode(Topic<K, V> topic, ConsumerRecord<byte[], byte[]> record) {
        try {
            K key = record.key() == null ? null
                    : topic.keySerde().deserializer().deserialize(record.topic(), record.headers(), record.key());
            V value = record.value() == null ? null
                    : topic.valueSerde().deserializer().deserialize(record.topic(), record.headers(), record.value());
            return new TopicRecord.Read<>(record.topic(), record.partition(), record.offset(), key, value);
        } catch (SerializationException e) {
            return new TopicRecord.Unreadable<>(record.topic(), record.partition(), record.offset(), record.key(),
                    record.value(), e);
        } catch (RuntimeException e) {
            // A serde failing some other way is still about this one record, never about the read.
            return new TopicRecord.Unreadable<>(record.topic(), record.partition(), record.offset(), record.key(),
                    record.value(), new SerializationException(e.toString(), e));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), timeout) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private long positions() {
        long sum = 0;
        for (TopicPartition tp : partitions) {
            sum += consumer.position(tp, timeout);
        }
        return sum;
    }

    private Map<TopicPartition, Long> positionsByPartition() {
        Map<TopicPartition, Long> positions = new HashMap<>();
        partitions.forEach(tp -> positions.put(tp, consumer.position(tp, timeout)));
        return positions;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
