package org.icbd.rcs.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicaRegistered;
import org.junit.jupiter.api.Test;

class JsonSerdeTest {

    private static final String PUBLISHED = """
            {"type":"ImageVersionPublished","schemaVersion":1,"image":"ubuntu","version":2,
             "uuid":"7e1c9b2a-4d3f-4e5a-8b6c-2d3e4f5a6b7c","parentVersion":1,
             "parentUuid":"0d6f7a3c-2b1e-4c5d-9e8f-1a2b3c4d5e6f","sizeBytes":10,
             "createdAt":"2026-11-22T10:15:30Z","master":"m"%s}""";

    private static EventFormatException rejected(String json) {
        return assertThrows(EventFormatException.class, () -> Topics.IMAGE_VERSIONS.valueSerde().deserializer()
                .deserialize(Topics.IMAGE_VERSIONS.name(), json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void unknownExtraFieldsAreIgnored() {
        ImageVersionEvent e = Topics.IMAGE_VERSIONS.valueSerde().deserializer().deserialize("t",
                PUBLISHED.formatted(",\"addedLater\":{\"x\":[1,2]}").getBytes(StandardCharsets.UTF_8));
        ImageVersionPublished p = assertInstanceOf(ImageVersionPublished.class, e);
        assertEquals(2, p.version());
        assertEquals(1, p.parentVersion().orElseThrow());
    }

    @Test
    void anUnknownSchemaVersionIsATypedError() {
        EventFormatException e = rejected(PUBLISHED.formatted("").replace("\"schemaVersion\":1", "\"schemaVersion\":2"));
        assertEquals(EventFormatException.Kind.UNKNOWN_SCHEMA_VERSION, e.kind());
        assertTrue(e.getMessage().contains("schemaVersion 2"), e.getMessage());
    }

    @Test
    void malformedValuesAreTypedErrors() {
        assertEquals(EventFormatException.Kind.MALFORMED, rejected("{not json").kind());
        assertEquals(EventFormatException.Kind.MALFORMED, rejected("[1,2]").kind());
        assertEquals(EventFormatException.Kind.MALFORMED, rejected("{\"image\":\"u\"}").kind());
        assertEquals(EventFormatException.Kind.MALFORMED,
                rejected(PUBLISHED.formatted("").replace("\"type\":\"ImageVersionPublished\",", "")).kind());
        assertEquals(EventFormatException.Kind.MALFORMED,
                rejected(PUBLISHED.formatted("").replace("\"version\":2", "\"version\":\"two\"")).kind());
    }

    @Test
    void ruleBreakingValuesAreInvalidAndNameTheField() {
        EventFormatException e = rejected(PUBLISHED.formatted("").replace("\"ubuntu\"", "\"../etc\""));
        assertEquals(EventFormatException.Kind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("image '../etc'"), e.getMessage());
        EventFormatException missing = rejected(PUBLISHED.formatted("").replace(",\"master\":\"m\"", ""));
        assertTrue(missing.getMessage().contains("master"), missing.getMessage());
    }

    @Test
    void aRegistrationWithoutACompressionPreferenceReadsAsHavingNone() throws IOException {
        // The golden file written before the field existed.
        ReplicaRegistered old = readRegistration(golden("replica-registered"));
        assertEquals(Optional.empty(), old.compression());
        assertEquals(Optional.empty(), old.heartbeat(old.lastSeen().plusSeconds(10)).compression());

        ReplicaRegistered none = readRegistration(golden("replica-registered-compression"));
        assertEquals(Optional.of(Compression.NONE), none.compression());
        assertEquals(Optional.of(Compression.NONE), none.heartbeat(none.lastSeen().plusSeconds(10)).compression());
        assertEquals(Optional.of(Compression.LZ4), readRegistration(withCompression("\"lz4\"")).compression());
        assertEquals(Optional.empty(), readRegistration(withCompression("null")).compression());
    }

    @Test
    void aCodecThisBuildDoesNotKnowReadsAsNoPreferenceButAnythingElseIsMalformed() throws IOException {
        ReplicaRegistered newer = readRegistration(withCompression("\"brotli\""));
        assertEquals(Optional.empty(), newer.compression());
        assertEquals("lab-112-a", newer.replicaId());

        EventFormatException e = assertThrows(EventFormatException.class,
                () -> readRegistration(withCompression("4")));
        assertEquals(EventFormatException.Kind.MALFORMED, e.kind());
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = JsonSerdeTest.class.getResourceAsStream("/golden/" + name + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String withCompression(String json) throws IOException {
        String golden = golden("replica-registered-compression");
        assertTrue(golden.contains("\"compression\" : \"none\""), golden);
        return golden.replace("\"compression\" : \"none\"", "\"compression\" : " + json);
    }

    private static ReplicaRegistered readRegistration(String json) {
        return Topics.REPLICAS.valueSerde().deserializer().deserialize(Topics.REPLICAS.name(),
                json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void tombstonesStayNull() {
        assertNull(Topics.REPLICAS.valueSerde().deserializer().deserialize("t", null));
        assertNull(Topics.REPLICAS.valueSerde().serializer().serialize("t", (ReplicaRegistered) null));
    }

    @Test
    void everyTopicHasAUniqueNameAndACleanupPolicy() {
        Set<String> names = new HashSet<>();
        for (Topic<String, ?> t : Topics.ALL) {
            assertTrue(names.add(t.name()), "duplicate " + t.name());
            assertTrue(t.name().startsWith("icbd."), t.name());
            assertTrue(Set.of("compact", "delete").contains(t.config().get("cleanup.policy")), t.name());
        }
        assertEquals(7, names.size());
        assertTrue(Topics.REPLICAS.compacted() && Topics.REPLICA_STATE.compacted()
                && Topics.REPLICATION_STATUS.compacted() && Topics.PLANNERS.compacted());
    }

    @Test
    void pairKeysRoundTrip() {
        PairKey k = new PairKey("lab-110-a", "ubuntu");
        assertEquals("lab-110-a/ubuntu", k.toString());
        assertEquals(k, PairKey.parse(k.toString()));
        assertThrows(IllegalArgumentException.class, () -> PairKey.parse("nokey"));
        assertThrows(IllegalArgumentException.class, () -> PairKey.parse("a/b/c"));
    }
}
