package org.icbd.rcs.master.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.master.testing.InProcessMaster;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The master's status API and page, in-process, following real topics on a real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusApiIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final ObjectMapper JSON = new ObjectMapper();

    private InProcessMaster site;

    @BeforeAll
    void startMaster() throws Exception {
        site = InProcessMaster.create("status-api");
        site.start(site.settings(KAFKA.bootstrapServers()));
    }

    @AfterAll
    void stop() {
        if (site != null) {
            site.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return site.get(path);
    }

    private JsonNode getJson(String path) throws Exception {
        return site.getJson(path);
    }

    private static <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key,
                    topic.valueSerde().serializer().serialize(topic.name(), value))).get();
        }
    }

    @Test
    void theApiFollowsTheTopicsAndThePageIsServed() throws Exception {
        JsonNode before = getJson("/api/status");
        assertTrue(before.get("planner").get("silent").asBoolean(), before.toString());
        assertTrue(before.get("planner").get("warning").asText().startsWith("no planner heartbeat"), before.toString());

        Instant now = Instant.now();
        send(Topics.REPLICAS, "lab-110-a", ReplicaRegistered.of("lab-110-a", "lab-110",
                List.of(new Subscription("ubuntu", 2)), "icbd", "SHA256:x", "icbd-rcs 9.9", now));
        send(Topics.PLANNERS, "icbd-planner/h-1", PlannerHeartbeat.of("icbd-planner", "h-1", "icbd-rcs 9.9", now));
        send(Topics.REPLICATION_STATUS, "lab-110-a/ubuntu", ReplicationStatus.of("lab-110-a", "lab-110", "ubuntu",
                Optional.of(2), List.of(1), List.of(2), ReplicationState.TRANSFERRING, 1, Optional.empty(),
                Optional.empty(), Optional.of(new TransferProgress("lab-110-a/ubuntu/2", 2, Optional.of(1), 5_000_000L,
                        1_000_000L, now)), now));

        // Three topics, read in no particular order: wait for what each of them brings.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode s = getJson("/api/status");
            return s.get("pairs").size() == 1 && s.get("planner").get("instances").asInt() == 1;
        });
        JsonNode status = getJson("/api/status");
        JsonNode pair = status.get("pairs").get(0);
        assertEquals("lab-110-a", pair.get("replicaId").asText());
        assertEquals("TRANSFERRING", pair.get("state").asText());
        assertEquals(5_000_000L, pair.get("transfer").get("bytes").asLong());
        assertEquals(false, pair.get("willReseed").asBoolean());
        assertEquals(false, status.get("planner").get("silent").asBoolean(), status.toString());
        assertEquals(1, status.get("planner").get("instances").asInt());
        assertTrue(status.get("ageSeconds").asLong() >= 0, status.toString());
        assertTrue(status.get("feed").get("error").isNull(), status.toString());

        JsonNode replicas = getJson("/api/replicas");
        assertEquals(1, replicas.size(), replicas.toString());
        assertEquals("icbd-rcs 9.9", replicas.get(0).get("software").asText());
        assertEquals("ONLINE", replicas.get(0).get("state").asText());

        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"),
                page.headers().toString());
        assertTrue(page.body().contains("api/status") && page.body().contains("<title>icbd"), page.body());
        assertTrue(!page.body().contains("http://") && !page.body().contains("https://"),
                "nothing is fetched from elsewhere");
    }
}
