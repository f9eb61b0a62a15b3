package org.icbd.rcs.master.fleet;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.icbd.rcs.master.kafka.TopicScan;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the fleet from Kafka: {@code icbd.replicas}, {@code icbd.replica-state} and
 * {@code icbd.replication-status} to their ends, the latest record per key (a tombstone removes
 * the key), turned into a {@link FleetView} by its pure rules.
 */
public final class FleetReader {

    private static final Logger log = LoggerFactory.getLogger(FleetReader.class);

    private final TopicScan scan;

    public FleetReader(TopicScan scan) {
        this.scan = Objects.requireNonNull(scan, "scan");
    }

    /** @throws org.apache.kafka.common.KafkaException if a topic cannot be read */
    public FleetView read() {
        var registrations = latest(Topics.REPLICAS, Function.identity());
        var states = latest(Topics.REPLICA_STATE, PairKey::parse);
        var statuses = latest(Topics.REPLICATION_STATUS, PairKey::parse);
        FleetView fleet = FleetView.of(registrations, states, statuses);
        log.debug("fleet: {} registered replicas, {} states, {} statuses", registrations.size(), states.size(),
                statuses.size());
        return fleet;
    }

    private <K, V> Map<K, V> latest(Topic<String, V> topic, Function<String, K> key) {
        List<TopicScan.Entry<String, V>> entries = scan.readToEnd(topic);
        Map<K, V> latest = new HashMap<>();
        for (TopicScan.Entry<String, V> entry : entries) {
            K k;
            try {
                k = key.apply(entry.key());
            } catch (IllegalArgumentException e) {
                log.warn("skipping a record of {} with key {}: {}", topic.name(), entry.key(), e.getMessage());
                continue;
            }
            if (entry.value() == null) {
                latest.remove(k);
            } else {
                latest.put(k, entry.value());
            }
        }
        return latest;
    }
}
