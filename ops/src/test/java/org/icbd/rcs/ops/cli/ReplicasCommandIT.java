package org.icbd.rcs.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.EventJson;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code icbd replicas} against a real broker: the table, the JSON and the exit codes. */
class ReplicasCommandIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            byte[] bytes = value == null ? null : topic.valueSerde().serializer().serialize(topic.name(), value);
            producer.send(new ProducerRecord<>(topic.name(), key, bytes)).get();
        }
    }

    private static ReplicaRegistered registration(String id, String site, List<Subscription> subs, Instant seen) {
        return ReplicaRegistered.of(id, site, subs, "icbd", "SHA256:abc", "icbd-rcs 0.3.1", seen);
    }

    @Test
    void listsEveryRegisteredReplicaAndExits3WhenOneIsOffline() throws Exception {
        CliRun none = CliRun.of("replicas", "--bootstrap", KAFKA.bootstrapServers());
        assertEquals(0, none.exitCode(), none.err());
        assertTrue(none.err().contains("no replica has registered yet"), none.err());

        Instant now = Instant.now();
        send(Topics.REPLICAS, "lab-110-a", registration("lab-110-a", "lab-110",
                List.of(new Subscription("ubuntu", 3), new Subscription("win11", 1)), now));
        send(Topics.REPLICAS, "lab-112-a", registration("lab-112-a", "lab-112", List.of(new Subscription("ubuntu", 2)),
                now));
        CliRun online = CliRun.of("replicas", "--bootstrap", KAFKA.bootstrapServers());
        assertEquals(0, online.exitCode(), online.err());
        List<String> lines = online.out().lines().toList();
        assertEquals(3, lines.size(), online.out());
        assertTrue(lines.get(0).matches("REPLICA +SITE +SUBSCRIPTIONS +LAST SEEN +SOFTWARE +STATE"), lines.get(0));
        assertTrue(lines.get(1).matches("lab-110-a +lab-110 +ubuntu:3,win11:1 +.* ago\\) +icbd-rcs 0.3.1 +ONLINE"),
                lines.get(1));
        assertTrue(lines.get(2).matches("lab-112-a +lab-112 +ubuntu:2 +.* +ONLINE"), lines.get(2));

        // The planner judged lab-112-a OFFLINE; a third replica registered long ago and was never judged.
        send(Topics.REPLICATION_STATUS, "lab-112-a/ubuntu", ReplicationStatus.of("lab-112-a", "lab-112", "ubuntu",
                Optional.of(2), List.of(1), List.of(2), ReplicationState.OFFLINE, 1, Optional.empty(),
                Optional.empty(), Optional.empty(), now));
        send(Topics.REPLICAS, "lab-114-a", registration("lab-114-a", "lab-114", List.of(), now.minusSeconds(600)));
        CliRun offline = CliRun.of("replicas", "--bootstrap", KAFKA.bootstrapServers(), "--json");
        assertEquals(ReplicasCommand.EXIT_OFFLINE, offline.exitCode(), offline.err());
        assertTrue(offline.err().contains("2 of 3 replicas OFFLINE: lab-112-a lab-114-a"), offline.err());
        List<JsonNode> entries = offline.out().lines().map(ReplicasCommandIT::json).toList();
        assertEquals(List.of("lab-110-a", "lab-112-a", "lab-114-a"),
                entries.stream().map(e -> e.get("replicaId").asText()).toList());
        assertEquals(List.of("ONLINE", "OFFLINE", "OFFLINE"), entries.stream().map(e -> e.get("state").asText()).toList());
        JsonNode first = entries.get(0);
        assertEquals("lab-110", first.get("site").asText());
        assertEquals("icbd-rcs 0.3.1", first.get("software").asText());
        assertEquals("win11", first.get("subscriptions").get(1).get("image").asText());
        assertEquals(1, first.get("subscriptions").get(1).get("keep").asInt());
        assertEquals(now, Instant.parse(first.get("lastSeen").asText()));
        assertTrue(entries.get(2).get("lastSeenAgeSeconds").asLong() >= 600, entries.get(2).toString());

        CliRun patient = CliRun.of("replicas", "--bootstrap", KAFKA.bootstrapServers(), "--offline-after", "1h");
        assertEquals(ReplicasCommand.EXIT_OFFLINE, patient.exitCode(), "lab-112-a is still OFFLINE by the planner");
        assertTrue(patient.out().lines().anyMatch(l -> l.startsWith("lab-114-a") && l.endsWith("ONLINE")), patient.out());

        send(Topics.REPLICAS, "lab-114-a", null);
        send(Topics.REPLICATION_STATUS, "lab-112-a/ubuntu", null);
        CliRun again = CliRun.of("replicas", "--bootstrap", KAFKA.bootstrapServers());
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(3, again.out().lines().count(), "a deregistered replica leaves the book: " + again.out());
    }

    @Test
    void anUnreachableBrokerIsExit1AndABadFlagExit2() {
        CliRun down = CliRun.of("replicas", "--bootstrap", "127.0.0.1:1", "--timeout", "2s");
        assertEquals(1, down.exitCode(), down.err());
        assertTrue(down.err().contains("at 127.0.0.1:1"), down.err());
        assertEquals(2, CliRun.of("replicas", "--offline-after", "soon").exitCode());
    }

    private static JsonNode json(String line) {
        try {
            return EventJson.mapper().readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
