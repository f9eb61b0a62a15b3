package org.icbd.rcs.kafka;

import org.apache.kafka.common.errors.SerializationException;

/**
 * One record of a {@link org.icbd.rcs.topic.Topic}, read with that topic's serdes: either its
 * typed key and value, or the failure to read it with its raw bytes, so that the caller can skip
 * it or send it to {@code icbd.dead-letters}. Either way it says where it was read.
 */
public sealed interface TopicRecord<K, V> {

    String topic();

    int partition();

    long offset();

    /** {@code topic-partition@offset}, as the logs write a record's place. */
    default String where() {
        return topic() + "-" + partition() + "@" + offset();
    }

    /**
     * A record its topic's serdes could read.
     *
     * @param key   null iff the record has no key
     * @param value null iff the record is a tombstone (a deletion in a compacted topic)
     */
    record Read<K, V>(String topic, int partition, long offset, K key, V value) implements TopicRecord<K, V> {

        public boolean isTombstone() {
            return value == null;
        }
    }

    /**
     * A record its topic's serdes could not read.
     *
     * @param rawKey   the key's bytes; null iff the record has no key
     * @param rawValue the value's bytes; null iff the record is a tombstone
     * @param error    why: an {@link org.icbd.rcs.topic.EventFormatException} for an event this
     *                 build cannot use
     */
    record Unreadable<K, V>(String topic, int partition, long offset, byte[] rawKey, byte[] rawValue,
                            SerializationException error) implements TopicRecord<K, V> {
    }
}
