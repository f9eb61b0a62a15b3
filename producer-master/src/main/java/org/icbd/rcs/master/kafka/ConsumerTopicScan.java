package org.icbd.rcs.master.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
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

    private final PublisherSettings settings;
    private final String clientId;

    /**
     * @param settings where Kafka is and how long each step of a read may take
     * @param clientId the reader's client id, naming it in the broker's logs
     */
    public ConsumerTopicScan(PublisherSettings settings, String clientId) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
    }

    @Override
    public <K, V> List<Entry<K, V>> readToEnd(Topic<K, V> topic) {
        List<Entry<K, V>> entries = new ArrayList<>();
        for (TopicRecord<K, V> record : TopicReader.readAll(settings.kafka(), clientId, topic, settings.timeout())) {
            if (record instanceof TopicRecord.Read<K, V> read) {
                if (read.key() == null) {
                    log.warn("skipping record {} without a key", read.where());
                } else {
                    entries.add(new Entry<>(read.key(), read.value()));
                }
            } else if (record instanceof TopicRecord.Unreadable<K, V> bad) {
                log.warn("skipping unreadable record {}: {}", bad.where(), bad.error().getMessage());
            }
        }
        return List.copyOf(entries);
    }
}
