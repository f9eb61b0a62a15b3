package org.icbd.rcs.planner.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A running planner beats on {@code icbd.planners}; a cleanly stopped one leaves a tombstone. */
class PlannerHeartbeatIT {

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aRunningPlannerBeatsAndAStoppedOneLeavesNoLiveEntry(@TempDir Path state) throws Exception {
        PlannerConfig config = PlannerConfig.defaults().withBootstrapServers(KAFKA.bootstrapServers())
                .withApplicationId("heartbeat-it").withStateDir(state);
        Instant before = Instant.now();
        Map<String, PlannerHeartbeat> latest = new HashMap<>();
        try (TopicReader<String, PlannerHeartbeat> reader = TopicReader.open(
                KafkaClientSettings.of(KAFKA.bootstrapServers()), "heartbeat-it", Topics.PLANNERS, WAIT)) {
            String key;
            try (PlannerApplication planner = PlannerApplication.start(config)) {
                assertTrue(planner.awaitRunning(WAIT));
                await().atMost(WAIT).until(() -> {
                    reader.poll(Duration.ofMillis(200), r -> apply(latest, r));
                    return latest.values().stream().filter(h -> h.applicationId().equals("heartbeat-it")).count() >= 1;
                });
                PlannerHeartbeat beat = latest.values().stream()
                        .filter(h -> h.applicationId().equals("heartbeat-it")).findFirst().orElseThrow();
                key = beat.key();
                assertTrue(!beat.at().isBefore(before.minusSeconds(1)), beat.toString());
                assertTrue(beat.software().startsWith("icbd-rcs "), beat.software());
                Instant first = beat.at();
                // A second beat, later than the first: the planner keeps saying it is alive.
                await().atMost(WAIT).until(() -> {
                    reader.poll(Duration.ofMillis(200), r -> apply(latest, r));
                    PlannerHeartbeat now = latest.get(key);
                    return now != null && now.at().isAfter(first);
                });
            }
            await().atMost(WAIT).until(() -> {
                reader.poll(Duration.ofMillis(200), r -> apply(latest, r));
                return !latest.containsKey(key);
            });
            assertEquals(null, latest.get(key));
        }
    }

    private static void apply(Map<String, PlannerHeartbeat> latest, TopicRecord<String, PlannerHeartbeat> record) {
        if (record instanceof TopicRecord.Read<String, PlannerHeartbeat> read) {
            if (read.value() == null) {
                latest.remove(read.key());
            } else {
                latest.put(read.key(), read.value());
            }
        }
    }
}
