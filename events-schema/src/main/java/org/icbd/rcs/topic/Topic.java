package org.icbd.rcs.topic;

import java.util.Map;
import org.apache.kafka.common.serialization.Serde;

/**
 * A topic's name with its serdes and the configuration it is created with. The only place a
 * topic name is written; everything else refers to the constants in {@link Topics}.
 *
 * @param config topic-level settings applied at creation (cleanup policy, retention)
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, Map<String, String> config) {

    public Topic {
        config = Map.copyOf(config);
    }

    public boolean compacted() {
        return "compact".equals(config.get("cleanup.policy"));
    }
}
