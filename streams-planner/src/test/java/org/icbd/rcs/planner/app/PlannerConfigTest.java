package org.icbd.rcs.planner.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.streams.StreamsConfig;
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
        Properties props = PlannerConfig.defaults().withBootstrapServers("k1:9092,k2:9092")
                .withClientProperties(Map.of("security.protocol", "SSL")).streamsProperties();
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

    private static void rejects(String setting, Supplier<?> build) {
        RuntimeException e = assertThrows(RuntimeException.class, build::get);
        assertTrue(e.getMessage().startsWith(setting), () -> "'" + e.getMessage() + "' should name " + setting);
    }
}
