package org.icbd.rcs.master.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.topic.EventFormatException;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the topic catch up with the disk: reads {@code icbd.image-versions} from the beginning to its
 * end offsets (all partitions assigned, no consumer group, nothing committed) and publishes every
 * version on disk that the topic has no event for. Run at every start of the master service: a
 * publish whose event never reached Kafka is completed this way, because the disk is the truth.
 */
public final class Republisher {

    private static final Logger log = LoggerFactory.getLogger(Republisher.class);

    private static final Duration POLL = Duration.ofMillis(200);

    private final ImageRepository repository;
    private final Publisher publisher;

    public Republisher(ImageRepository repository, Publisher publisher) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    /**
     * @return the events it published, oldest first per image
     * @throws KafkaException if the topic cannot be read within the timeout
     * @throws NotDurableException if a missing version could not be published
     */
    public List<ImageVersionPublished> run() {
        Map<String, Map<Integer, String>> known = readTopic();
        List<ImageVersionPublished> published = new ArrayList<>();
        int onDisk = 0;
        for (String image : repository.images()) {
            Map<Integer, String> topicVersions = known.getOrDefault(image, Map.of());
            for (ImageVersion version : repository.versions(image)) {
                onDisk++;
                String topicUuid = topicVersions.get(version.version());
                if (topicUuid == null) {
                    log.info("image {} version {} (uuid {}) is on disk but not in {}: publishing it", image,
                            version.version(), version.uuid(), Topics.IMAGE_VERSIONS.name());
                    published.add(publisher.publish(version));
                } else if (!topicUuid.equals(version.uuid())) {
                    log.warn("image {} version {} has uuid {} on disk but {} in {}: a version number was reused;"
                            + " replicas holding the old one will not take this one as a delta parent", image,
                            version.version(), version.uuid(), topicUuid, Topics.IMAGE_VERSIONS.name());
                }
            }
        }
        log.info("{} versions on disk, {} were missing from {} and are now published", onDisk, published.size(),
                Topics.IMAGE_VERSIONS.name());
        return List.copyOf(published);
    }

    /** image -> version -> uuid of every event in the topic (published or retired: both mean "known"). */
    private Map<String, Map<Integer, String>> readTopic() {
        PublisherSettings settings = publisher.settings();
        Duration timeout = settings.timeout();
        Map<String, Object> config = new HashMap<>(settings.kafkaProperties());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "icbd-republish-" + settings.master());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        Deserializer<ImageVersionEvent> values = Topics.IMAGE_VERSIONS.valueSerde().deserializer();
        String topic = Topics.IMAGE_VERSIONS.name();
        Map<String, Map<Integer, String>> known = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new KafkaException("topic " + topic + " does not exist at "
                        + settings.bootstrapServers());
            }
            Set<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toSet());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long records = 0;
            long lastProgress = System.nanoTime();
            while (!reachedEnd(consumer, end)) {
                var batch = consumer.poll(POLL);
                if (!batch.isEmpty()) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > timeout.toNanos()) {
                    throw new KafkaException("reading " + topic + " made no progress for "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> record : batch) {
                    records++;
                    remember(known, record, values);
                }
            }
            log.info("read {} records of {} up to offsets {}", records, topic, end);
        }
        return known;
    }

    private static boolean reachedEnd(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static void remember(Map<String, Map<Integer, String>> known, ConsumerRecord<String, byte[]> record,
                                 Deserializer<ImageVersionEvent> values) {
        ImageVersionEvent event;
        try {
            event = values.deserialize(record.topic(), record.value());
        } catch (EventFormatException e) {
            // Only read here: the consumers that act on this topic route such records to the dead letters.
            log.warn("skipping unreadable record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return;
        }
        if (event == null) {
            return;
        }
        String uuid = event instanceof ImageVersionPublished published
                ? published.uuid()
                : ((ImageVersionRetired) event).uuid();
        known.computeIfAbsent(event.image(), i -> new HashMap<>()).putIfAbsent(event.version(), uuid);
    }
}
