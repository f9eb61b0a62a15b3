package org.icbd.rcs.master.kafka;

import java.util.List;
import java.util.Objects;
import org.icbd.rcs.topic.Topic;

/**
 * Reads a whole topic as it is now: every record from the beginning of each partition up to the
 * end offsets taken when the read starts. The master's only way to read Kafka, so that the reading
 * loop sits in one adapter ({@link ConsumerTopicScan}) and can be exchanged in one place.
 */
public interface TopicScan {

    /**
     * The topic's records, in offset order per partition (so, for one key, oldest first). Records
     * whose value cannot be read are left out with a warning (the consumers that act on them route
     * them to the dead letters); a tombstone is an entry with a null value.
     *
     * @throws org.apache.kafka.common.KafkaException if the topic does not exist or the read makes
     *                                                 no progress within the adapter's timeout
     */
    <K, V> List<Entry<K, V>> readToEnd(Topic<K, V> topic);

    /**
     * One record of a topic.
     *
     * @param key   the record's key, never null
     * @param value the record's value; null for a tombstone
     */
    record Entry<K, V>(K key, V value) {

        /** Rejects a missing key. */
        public Entry {
            Objects.requireNonNull(key, "key must not be null");
        }
    }
}
