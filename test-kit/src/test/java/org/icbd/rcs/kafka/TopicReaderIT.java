package org.icbd.rcs.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.EventFormatException;
import org.icbd.rcs.topic.JsonSerde;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link TopicReader} against the real in-process broker. */
class TopicReaderIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static Topic<String, ImageVersionEvent> topic(String name) {
        return new Topic<>(name, Serdes.String(),
                new JsonSerde<>(ImageVersionEvent.class, ImageVersionPublished.SCHEMA_VERSION), Map.of());
    }

    private static ImageVersionPublished version(String image, int v) {
        return ImageVersionPublished.of(image, v, "0b3c9a52-1c1f-4f0e-9d0e-00000000000" + v, Optional.empty(),
                Optional.empty(), 1024, Instant.parse("2026-01-01T00:00:00Z"), "master");
    }

    private static KafkaClientSettings kafka() {
        return KafkaClientSettings.of(KAFKA.bootstrapServers());
    }

    private static void write(Topic<String, ImageVersionEvent> topic, List<ProducerRecord<String, byte[]>> records)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka().producerConfig("topic-reader-it"),
                Serdes.String().serializer(), new ByteArraySerializer())) {
            for (ProducerRecord<String, byte[]> r : records) {
                producer.send(r).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static ProducerRecord<String, byte[]> event(Topic<String, ImageVersionEvent> topic, ImageVersionEvent e) {
        return new ProducerRecord<>(topic.name(), e.image(), topic.valueSerde().serializer().serialize(topic.name(), e));
    }

    @Test
    void readsEveryRecordWrittenBeforeAndSurfacesAPoisonRecordAsAFailure() throws Exception {
        Topic<String, ImageVersionEvent> topic = topic("kafka-io-it.events");
        KAFKA.kafka().ensureTopics(List.of(topic), 3);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int v = 1; v <= 5; v++) {
            records.add(event(topic, version(v % 2 == 0 ? "ubuntu" : "win11", v)));
        }
        records.add(new ProducerRecord<>(topic.name(), "ubuntu", "not json".getBytes(StandardCharsets.UTF_8)));
        records.add(new ProducerRecord<>(topic.name(), "ubuntu", null));
        write(topic, records);

        List<TopicRecord<String, ImageVersionEvent>> read = TopicReader.readAll(kafka(), "topic-reader-it", topic,
                Duration.ofSeconds(30));

        assertEquals(7, read.size());
        List<ImageVersionEvent> events = read.stream()
                .filter(r -> r instanceof TopicRecord.Read<String, ImageVersionEvent> ok && !ok.isTombstone())
                .map(r -> ((TopicRecord.Read<String, ImageVersionEvent>) r).value()).toList();
        assertEquals(5, events.size());
        assertEquals(List.of(1, 2, 3, 4, 5), events.stream().map(ImageVersionEvent::version).sorted().toList());
        List<TopicRecord.Unreadable<String, ImageVersionEvent>> poison = read.stream()
                .filter(r -> r instanceof TopicRecord.Unreadable<String, ImageVersionEvent>)
                .map(r -> (TopicRecord.Unreadable<String, ImageVersionEvent>) r).toList();
        assertEquals(1, poison.size());
        TopicRecord.Unreadable<String, ImageVersionEvent> bad = poison.get(0);
        assertEquals(topic.name(), bad.topic());
        assertTrue(bad.offset() >= 0);
        assertEquals("not json", new String(bad.rawValue(), StandardCharsets.UTF_8));
        assertEquals(EventFormatException.Kind.MALFORMED, assertInstanceOf(EventFormatException.class,
                bad.error()).kind());
        assertEquals(1, read.stream().filter(r -> r instanceof TopicRecord.Read<String, ImageVersionEvent> ok
                && ok.isTombstone()).count());
    }

    @Test
    void anEmptyTopicReadsAsNothing() {
        Topic<String, ImageVersionEvent> topic = topic("kafka-io-it.empty");
        KAFKA.kafka().ensureTopics(List.of(topic), 2);
        assertEquals(List.of(), TopicReader.readAll(kafka(), "topic-reader-it", topic, Duration.ofSeconds(30)));
    }

    @Test
    void aMissingTopicIsSaidSo() {
        Topic<String, ImageVersionEvent> topic = topic("kafka-io-it.never-created");
        UnknownTopicOrPartitionException e = assertThrows(UnknownTopicOrPartitionException.class,
                () -> TopicReader.readAll(kafka(), "topic-reader-it", topic, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains(topic.name()), e.getMessage());
    }

    @Test
    void passThroughPropertiesReachTheClient() throws Exception {
        KafkaClientSettings kafka = kafka().withProperties(Map.of("client.id", "icbd-pass-through-probe"));
        ObjectName metrics = new ObjectName("kafka.consumer:type=consumer-metrics,client-id=icbd-pass-through-probe");
        try (TopicReader<String, ?> reader = TopicReader.open(kafka, "ignored-client-id", Topics.REPLICAS,
                Duration.ofSeconds(30))) {
            reader.readToEnd(r -> { });
            assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(metrics),
                    "the reader's consumer is registered under the pass-through client.id");
            assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(
                    new ObjectName("kafka.consumer:type=consumer-metrics,client-id=ignored-client-id")));
        }
    }
}
