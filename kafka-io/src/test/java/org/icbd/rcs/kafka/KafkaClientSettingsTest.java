package org.icbd.rcs.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing, layering and refusals of the one Kafka client settings type. */
class KafkaClientSettingsTest {

    @TempDir
    Path dir;

    @Test
    void aPropertiesFileThenPairsLayerWithPairsWinning() throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"), """
                # handed out by the cluster's administrator
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                client.id=from-file
                """);
        KafkaClientSettings s = KafkaClientSettings.layered("kafka1:9092, kafka2:9093", file,
                List.of("client.id=from-flag", "ssl.endpoint.identification.algorithm=", "sasl.jaas.config=a=b"));
        assertEquals("kafka1:9092, kafka2:9093", s.bootstrapServers());
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "client.id", "from-flag", "ssl.endpoint.identification.algorithm", "", "sasl.jaas.config", "a=b"),
                s.properties());
    }

    @Test
    void passThroughTunesTheRoleDefaultsButNeverTheFixedSettings() {
        KafkaClientSettings s = new KafkaClientSettings("127.0.0.1:9092",
                Map.of("client.id", "mine", "linger.ms", "5", "security.protocol", "SSL"));
        Map<String, Object> producer = s.producerConfig("icbd-publish", Map.of("max.block.ms", 1000));
        assertEquals("mine", producer.get("client.id"));
        assertEquals("5", producer.get("linger.ms"));
        assertEquals("SSL", producer.get("security.protocol"));
        assertEquals(1000, producer.get("max.block.ms"));
        assertEquals("all", producer.get("acks"));
        assertEquals(true, producer.get("enable.idempotence"));
        assertEquals("127.0.0.1:9092", producer.get("bootstrap.servers"));

        Map<String, Object> consumer = KafkaClientSettings.of("127.0.0.1:9092").consumerConfig("c", "g", Map.of());
        assertEquals("read_committed", consumer.get("isolation.level"));
        assertEquals(false, consumer.get("enable.auto.commit"));
        assertEquals("g", consumer.get("group.id"));
        assertEquals("earliest", consumer.get("auto.offset.reset"));

        Map<String, Object> reader = KafkaClientSettings.of("127.0.0.1:9092").readerConfig("r", Map.of());
        assertEquals("read_committed", reader.get("isolation.level"));
        assertTrue(!reader.containsKey("group.id"), reader.toString());

        Map<String, Object> streams = s.streamsConfig("icbd-planner", Map.of("commit.interval.ms", 100L));
        assertEquals("exactly_once_v2", streams.get("processing.guarantee"));
        assertEquals("icbd-planner", streams.get("application.id"));
        assertEquals("SSL", streams.get("security.protocol"));
    }

    @ParameterizedTest(name = "{0} is refused")
    @ValueSource(strings = {"acks", "enable.idempotence", "isolation.level", "enable.auto.commit", "group.id",
            "group.instance.id", "bootstrap.servers", "value.deserializer", "transactional.id", "application.id",
            "processing.guarantee", "producer.acks", "main.consumer.isolation.level", "consumer.enable.auto.commit"})
    void aPassThroughOfAFixedSettingIsRefusedNamingIt(String property) {
        KafkaSettingsException e = assertThrows(KafkaSettingsException.class,
                () -> new KafkaClientSettings("127.0.0.1:9092", Map.of(property, "x")));
        assertEquals(property, e.property().orElseThrow());
        assertTrue(e.getMessage().startsWith("Kafka property " + property + " cannot be passed through: "),
                e.getMessage());
    }

    @ParameterizedTest(name = "bootstrap ''{0}'' is refused")
    @ValueSource(strings = {"", " ", "kafka1", "kafka1:", "kafka1:0", "kafka1:70000", "kafka1:9092,", "a b:9092"})
    void aBadBootstrapIsRefusedNamingIt(String bootstrap) {
        KafkaSettingsException e = assertThrows(KafkaSettingsException.class, () -> KafkaClientSettings.of(bootstrap));
        assertEquals("bootstrap.servers", e.property().orElseThrow());
    }

    @Test
    void ipv6AndSeveralServersAreAccepted() {
        assertEquals("[::1]:9092,kafka-2.example.org:19092",
                KafkaClientSettings.of(" [::1]:9092,kafka-2.example.org:19092 ").bootstrapServers());
    }

    @Test
    void aPairWithoutEqualsOrKeyIsRefused() {
        assertThrows(KafkaSettingsException.class, () -> KafkaClientSettings.parseProperty("security.protocol"));
        assertThrows(KafkaSettingsException.class, () -> KafkaClientSettings.parseProperty("=SSL"));
        assertEquals(Map.entry("a", "b=c"), KafkaClientSettings.parseProperty("a=b=c"));
    }

    @Test
    void aMissingPropertiesFileIsNamed() {
        Path missing = dir.resolve("nope.properties");
        KafkaSettingsException e = assertThrows(KafkaSettingsException.class,
                () -> KafkaClientSettings.layered("127.0.0.1:9092", missing, List.of()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void aFixedSettingInAPropertiesFileIsRefusedToo() throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"), "acks=1\n");
        KafkaSettingsException e = assertThrows(KafkaSettingsException.class,
                () -> KafkaClientSettings.layered("127.0.0.1:9092", file, List.of()));
        assertEquals("acks", e.property().orElseThrow());
    }

    @Test
    void withPropertiesLayersOver() {
        KafkaClientSettings s = new KafkaClientSettings("127.0.0.1:9092", Map.of("a", "1", "b", "2"))
                .withProperties(Map.of("b", "3"));
        assertEquals(Map.of("a", "1", "b", "3"), s.properties());
    }

    @Test
    void aSectionNamesTheServiceSettingAtFault() {
        KafkaSettingsException acks = assertThrows(KafkaSettingsException.class,
                () -> KafkaClientSettings.fromSection("icbd.replica.kafka", "127.0.0.1:9092", Map.of("acks", "1")));
        assertEquals("icbd.replica.kafka.properties.acks", acks.setting("icbd.replica.kafka"));
        assertTrue(acks.getMessage().startsWith("icbd.replica.kafka.properties.acks: "), acks.getMessage());
        KafkaSettingsException bootstrap = assertThrows(KafkaSettingsException.class,
                () -> KafkaClientSettings.fromSection("icbd.planner.kafka", "nowhere", Map.of()));
        assertTrue(bootstrap.getMessage().startsWith("icbd.planner.kafka.bootstrap-servers: "), bootstrap.getMessage());
        assertEquals(KafkaClientSettings.DEFAULT_BOOTSTRAP_SERVERS,
                KafkaClientSettings.fromSection("icbd.master.kafka", null, null).bootstrapServers());
    }
}
