package org.icbd.rcs.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.icbd.rcs.topic.EventJson;
import org.icbd.rcs.topic.JsonSerde;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every event round-trips through its topic's serde and matches its checked-in golden JSON: a
 * change to the wire format shows up here as a diff to review. Run with {@code -Dgolden.update=true}
 * to rewrite the files after an intended change.
 */
class GoldenJsonTest {

    private static final ObjectMapper JSON = EventJson.mapper();

    static Stream<Arguments> samples() {
        return Samples.all().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void roundTripsAndMatchesGolden(String name, Object sample) throws IOException {
        Topic<String, ?> topic = topicFor(sample);
        @SuppressWarnings("unchecked")
        JsonSerde<Object> serde = (JsonSerde<Object>) topic.valueSerde();

        byte[] bytes = serde.serialize(topic.name(), sample);
        assertEquals(sample, serde.deserialize(topic.name(), bytes), "round trip through " + topic.name());

        if (Boolean.getBoolean("golden.update")) {
            Path file = Path.of("src/test/resources/golden", name + ".json");
            Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(bytes)) + "\n");
        }
        byte[] golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/" + name + ".json")) {
            assertEquals(true, in != null, "golden file golden/" + name + ".json is missing");
            golden = in.readAllBytes();
        }
        JsonNode expected = JSON.readTree(golden);
        assertEquals(expected, JSON.readTree(bytes), "wire format of " + name + " differs from its golden file");
        assertEquals(sample, serde.deserialize(topic.name(), golden), "golden file reads back to the sample");
        assertEquals("schemaVersion", firstNonTypeField(new String(golden, StandardCharsets.UTF_8)));
    }

    private static String firstNonTypeField(String json) throws IOException {
        var names = JSON.readTree(json).fieldNames();
        String first = names.next();
        return first.equals("type") ? names.next() : first;
    }

    static Topic<String, ?> topicFor(Object sample) {
        if (sample instanceof ImageVersionEvent) {
            return Topics.IMAGE_VERSIONS;
        } else if (sample instanceof ReplicaRegistered) {
            return Topics.REPLICAS;
        } else if (sample instanceof ReplicaImageState) {
            return Topics.REPLICA_STATE;
        } else if (sample instanceof ReplicationTask) {
            return Topics.REPLICATION_TASKS;
        } else if (sample instanceof ReplicationStatus) {
            return Topics.REPLICATION_STATUS;
        } else if (sample instanceof PlannerHeartbeat) {
            return Topics.PLANNERS;
        } else if (sample instanceof DeadLetter) {
            return Topics.DEAD_LETTERS;
        }
        throw new AssertionError("no topic for " + sample.getClass());
    }
}
