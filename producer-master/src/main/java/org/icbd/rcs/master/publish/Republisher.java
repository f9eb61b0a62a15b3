package org.icbd.rcs.master.publish;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.KafkaException;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
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
        Map<String, Map<Integer, String>> known = new HashMap<>();
        List<TopicRecord<String, ImageVersionEvent>> records = TopicReader.readAll(settings.kafka(),
                "icbd-republish-" + settings.master(), Topics.IMAGE_VERSIONS, settings.timeout());
        for (TopicRecord<String, ImageVersionEvent> record : records) {
            remember(known, record);
        }
        log.info("read {} records of {}", records.size(), Topics.IMAGE_VERSIONS.name());
        return known;
    }

    private static void remember(Map<String, Map<Integer, String>> known, TopicRecord<String, ImageVersionEvent> record) {
        if (record instanceof TopicRecord.Unreadable<String, ImageVersionEvent> bad) {
            // Only read here: the consumers that act on this topic route such records to the dead letters.
            log.warn("skipping unreadable record {}: {}", bad.where(), bad.error().getMessage());
            return;
        }
        ImageVersionEvent event = ((TopicRecord.Read<String, ImageVersionEvent>) record).value();
        if (event == null) {
            return;
        }
        String uuid = event instanceof ImageVersionPublished published
                ? published.uuid()
                : ((ImageVersionRetired) event).uuid();
        known.computeIfAbsent(event.image(), i -> new HashMap<>()).putIfAbsent(event.version(), uuid);
    }
}
