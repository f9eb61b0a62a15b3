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

    @Test
    void badStreamSettingsAreNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path pool) {
        MasterSettings s = new MasterSettings();
        s.setPool(pool.toString());
        s.checkConfig();
        assertTrue(s.maxSendRate().isEmpty());
        assertTrue(s.streamBudgetBytes() > 0, "10% of the free space");
        s.setZstdLevel(20);
        IllegalArgumentException level = assertThrows(IllegalArgumentException.class, s::checkConfig);
        assertEquals("icbd.master.zstd-level 20 is out of range 1-19", level.getMessage());
        s.setZstdLevel(3);
        s.setStreamBudget(0L);
        IllegalArgumentException budget = assertThrows(IllegalArgumentException.class, s::checkConfig);
        assertTrue(budget.getMessage().startsWith("icbd.master.stream-budget must be at least 1 byte"),
                budget.getMessage());
        s.setStreamBudget(1000L);
        s.setMaxSendRate(-1L);
        IllegalArgumentException rate = assertThrows(IllegalArgumentException.class, s::checkConfig);
        assertTrue(rate.getMessage().startsWith("icbd.master.max-send-rate must be at least 1 byte/s"),
                rate.getMessage());
        s.setMaxSendRate(1_000_000L);
        s.checkConfig();
        assertEquals(1000L, s.streamBudgetBytes());
    }
}
