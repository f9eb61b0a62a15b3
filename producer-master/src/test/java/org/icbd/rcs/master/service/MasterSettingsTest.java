package org.icbd.rcs.master.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The master's Kafka section: the bootstrap's two names, pass-through properties, refusals naming the setting. */
class MasterSettingsTest {

    @Test
    void theBootstrapDefaultsThenTheOlderNameThenTheSectionWins() {
        MasterSettings s = new MasterSettings();
        assertEquals(MasterSettings.DEFAULT_KAFKA_BOOTSTRAP_SERVERS, s.kafkaClientSettings().bootstrapServers());
        s.setKafkaBootstrapServers("old:9092");
        assertEquals("old:9092", s.kafkaClientSettings().bootstrapServers());
        s.getKafka().setBootstrapServers("new:9092");
        assertEquals("new:9092", s.kafkaClientSettings().bootstrapServers());
    }

    @Test
    void passThroughPropertiesAreCarried() {
        MasterSettings s = new MasterSettings();
        s.getKafka().setProperties(Map.of("security.protocol", "SSL"));
        assertEquals(Map.of("security.protocol", "SSL"), s.kafkaClientSettings().properties());
    }

    @Test
    void badKafkaSettingsAreNamed() {
        MasterSettings s = new MasterSettings();
        s.setKafkaBootstrapServers("no-port");
        IllegalArgumentException older = assertThrows(IllegalArgumentException.class, s::kafkaClientSettings);
        assertTrue(older.getMessage().startsWith("icbd.master.kafka-bootstrap-servers: "), older.getMessage());

        s.getKafka().setBootstrapServers("kafka:9092");
        s.getKafka().setProperties(Map.of("isolation.level", "read_uncommitted"));
        IllegalArgumentException fixed = assertThrows(IllegalArgumentException.class, s::kafkaClientSettings);
        assertTrue(fixed.getMessage().startsWith("icbd.master.kafka.properties.isolation.level: "), fixed.getMessage());
    }
}
