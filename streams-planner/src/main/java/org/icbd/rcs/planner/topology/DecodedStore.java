package org.icbd.rcs.planner.topology;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A processor's store with the values it read or wrote last kept decoded: a read that finds its key
 * here costs neither a RocksDB lookup nor a JSON decoding. At fleet scale a version event reviews
 * every subscriber of its image, and each review reads the pair's report, ledger and last status;
 * decoding them was a fifth of the planner's processing time.
 *
 * <p>Write-through: {@link #put} and {@link #delete} go to the store first, so the store (and its
 * changelog) stay the truth and a restart loses nothing but this memory. It is correct only while
 * its owner is the store's one writer, which a Kafka Streams processor is for the stores it owns;
 * the owner makes a new one in {@code init}, after a restore. Values must be immutable (records).
 *
 * <p>At most {@code capacity} values are kept, the least recently used going first; absent keys are
 * not remembered. Scans ({@link #prefixScan}, {@link #all}) read the store. Not thread-safe: one
 * stream thread owns it.
 */
final class DecodedStore<V> {

    private static final StringSerializer PREFIX = new StringSerializer();

    private final KeyValueStore<String, V> store;
    private final Map<String, V> recent;
    private long hits;
    private long misses;

    DecodedStore(KeyValueStore<String, V> store, int capacity) {
        this.store = Objects.requireNonNull(store, "store");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.recent = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The value stored under {@code key}, or null. */
    V get(String key) {
        V value = recent.get(key);
        if (value != null) {
            hits++;
            return value;
        }
        misses++;
        value = store.get(key);
        if (value != null) {
            recent.put(key, value);
        }
        return value;
    }

    void put(String key, V value) {
        Objects.requireNonNull(value, "value: use delete");
        store.put(key, value);
        recent.put(key, value);
    }

    void delete(String key) {
        store.delete(key);
        recent.remove(key);
    }

    /** The store's entries whose keys start with {@code prefix}, read from the store; close it. */
    KeyValueIterator<String, V> prefixScan(String prefix) {
        return store.prefixScan(prefix, PREFIX);
    }

    /** Every entry of the store, read from the store; close it. */
    KeyValueIterator<String, V> all() {
        return store.all();
    }

    /** Reads answered from memory since this store was made. */
    long hits() {
        return hits;
    }

    /** Reads that went to the store. */
    long misses() {
        return misses;
    }

    /** Values kept in memory now. */
    int size() {
        return recent.size();
    }
}
