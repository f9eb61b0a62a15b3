package org.icbd.rcs.master.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.topic.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TopicScan} with a plain consumer: all partitions assigned, no consumer group, nothing
 * committed, so reading changes nothing anyone else sees. Every wait is bounded by the settings'
 * timeout: a read that makes no progress for that long fails instead of hanging the caller.
 */
public final class ConsumerTopicScan implements TopicScan {

    private static final Logger log = LoggerFactory.getLogger(ConsumerTopicScan.class);

    private static final Duration POLL = Duration.ofMillis(200);

    private final PublisherSettings settings;
    private final String clientId;

    /**
     * @param settings where Kafka is and how long each step of a read may take
     * @param clientId the consumer's client id, naming the reader in the broker's logs
     */
    public ConsumerTopicScan(PublisherSettings settings, String clientId) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
    }

    @Override
    public <K, V> List<Entry<K, V>> readToEnd(Topic<K, V> topic) {
        Duration timeout = settings.timeout();
        Map<String, Object> config = new HashMap<>(settings.kafkaProperties());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        Deserializer<K> keys = topic.keySerde().deserializer();
        Deserializer<V> values = topic.valueSerde().deserializer();
        String name = topic.name();
        List<Entry<K, V>> entries = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(name, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new KafkaException("topic " + name + " does not exist at " + settings.bootstrapServers());
            }
            Set<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(name, p.partition()))
                    .collect(Collectors.toSet());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long lastProgress = System.nanoTime();
            while (!reachedEnd(consumer, end)) {
                var batch = consumer.poll(POLL);
                if (!batch.isEmpty()) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > timeout.toNanos()) {
                    throw new KafkaException("reading " + name + " made no progress for " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    read(record, keys, values).ifPresent(entries::add);
                }
            }
            log.debug("read {} records of {} up to offsets {}", entries.size(), name, end);
        }
        return List.copyOf(entries);
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static <K, V> Optional<Entry<K, V>> read(ConsumerRecord<byte[], byte[]> record,
            Deserializer<K> keys, Deserializer<V> values) {
        try {
            K key = record.key() == null ? null : keys.deserialize(record.topic(), record.key());
            if (key == null) {
                log.warn("skipping record {}-{}@{} without a key", record.topic(), record.partition(), record.offset());
                return Optional.empty();
            }
            V value = record.value() == null ? null : values.deserialize(record.topic(), record.value());
            return Optional.of(new Entry<>(key, value));
        } catch (SerializationException e) { // EventFormatException among them
            log.warn("skipping unreadable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return Optional.empty();
        }
    }
}
