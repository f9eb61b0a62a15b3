package org.icbd.rcs.planner.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsConfig;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.planner.topology.TopologySettings;
import org.junit.jupiter.api.Test;

class PlannerConfigTest {

    @Test
    void badSettingsAreRejectedByName() {
        rejects("bootstrap", () -> PlannerConfig.defaults().withBootstrapServers("localhost"));
        rejects("bootstrap", () -> PlannerConfig.defaults().withBootstrapServers("a:1,,b:2"));
        rejects("application-id", () -> PlannerConfig.defaults().withApplicationId("no spaces"));
        rejects("state-dir", () -> PlannerConfig.defaults().withStateDir(null));
        rejects("commit-interval", () -> PlannerConfig.defaults().withCommitInterval(Duration.ZERO));
        rejects("offline-after", () -> TopologySettings.DEFAULTS.withOfflineAfter(Duration.ofSeconds(-1)));
        rejects("stall-deadline", () -> TopologySettings.DEFAULTS.withStallDeadline(Duration.ZERO));
        rejects("punctuate-every", () -> TopologySettings.DEFAULTS.withPunctuateEvery(Duration.ofMinutes(1)));
    }

    @Test
    void streamsRunsExactlyOnceWithShortCommitsAndOurHandlers() {
        Properties props = PlannerConfig.defaults()
                .withKafka(new KafkaClientSettings("k1:9092,k2:9092", Map.of("security.protocol", "SSL")))
                .streamsProperties();
        assertEquals("exactly_once_v2", props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(100L, props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(0L, props.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
        assertEquals("k1:9092,k2:9092", props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals("icbd-planner", props.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("SSL", props.get("security.protocol"));
        assertEquals(DeadLetteringDeserializationHandler.class,
                props.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals(DeadLetteringProcessingHandler.class,
                props.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals(LoggingProductionHandler.class, props.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
        new StreamsConfig(props); // Streams itself accepts every value
    }

    @Test
    void aKilledPlannersPartitionsMoveWithinTenSecondsNotTheDefaultFortyFive() {
        // Found by icbd chaos: after a SIGKILL the new instance waited ~40 s for the dead members'
        // sessions to expire before it got the partitions back.
        Properties props = PlannerConfig.defaults().streamsProperties();
        assertEquals(10_000, props.get(StreamsConfig.mainConsumerPrefix(
                org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)));
        new StreamsConfig(props);
    }

    @Test
    void settingsBindWithDefaultsAndOverrides() {
        PlannerConfig defaults = PlannerApplication.config(Map.of());
        assertEquals(PlannerConfig.DEFAULT_BOOTSTRAP_SERVERS, defaults.bootstrapServers());
        assertEquals(PlannerSettings.DEFAULT_APPLICATION_ID, defaults.applicationId());
        assertEquals(PlannerSettings.DEFAULT_STATE_DIR, defaults.stateDir());
        assertEquals(TopologySettings.DEFAULTS, defaults.topology());
        assertEquals(PlannerSettings.DEFAULT_COMMIT_INTERVAL, defaults.commitInterval());

        Map<String, Object> p = new HashMap<>();
        p.put("icbd.planner.kafka.bootstrap-servers", "k1:9092");
        p.put("icbd.planner.kafka.properties.security.protocol", "SSL");
        p.put("icbd.planner.application-id", "planner-b");
        p.put("icbd.planner.state-dir", "/var/lib/icbd-planner");
        p.put("icbd.planner.offline-after", "45s");
        p.put("icbd.planner.stall-deadline", "PT10M");
        p.put("icbd.planner.compression", "none");
        p.put("icbd.planner.commit-interval", "250ms");
        PlannerConfig c = PlannerApplication.config(p);
        assertEquals(new KafkaClientSettings("k1:9092", Map.of("security.protocol", "SSL")), c.kafka());
        assertEquals("planner-b", c.applicationId());
        assertEquals(Path.of("/var/lib/icbd-planner"), c.stateDir());
        assertEquals(Duration.ofSeconds(45), c.topology().offlineAfter());
        assertEquals(Duration.ofMinutes(10), c.topology().stallDeadline());
        assertEquals(Compression.NONE, c.topology().compression());
        assertEquals(Duration.ofMillis(250), c.commitInterval());
    }

    @Test
    void aBadSettingIsRefusedNamingIt() {
        refusedNaming("icbd.planner.kafka.bootstrap-servers", "kafka1");
        refusedNaming("icbd.planner.kafka.properties.processing.guarantee", "at_least_once");
        refusedNaming("icbd.planner.kafka.properties.consumer.isolation.level", "read_uncommitted");
        refusedNaming("icbd.planner.application-id", "a b");
        refusedNaming("icbd.planner.offline-after", "0s");
        refusedNaming("icbd.planner.stall-deadline", "-1s");
        refusedNaming("icbd.planner.commit-interval", "0ms");
        refusedNaming("icbd.planner.compression", "brotli");
    }

    private static void refusedNaming(String setting, String value) {
        InvalidPlannerSettingException e = assertThrows(InvalidPlannerSettingException.class,
                () -> PlannerApplication.config(Map.of(setting, value)));
        assertEquals(setting, e.setting(), e.getMessage());
        assertTrue(e.getMessage().startsWith(setting + ": "), e.getMessage());
    }

    private static void rejects(String setting, Supplier<?> build) {
        RuntimeException e = assertThrows(RuntimeException.class, build::get);
        assertTrue(e.getMessage().startsWith(setting), () -> "'" + e.getMessage() + "' should name " + setting);
    }
}
