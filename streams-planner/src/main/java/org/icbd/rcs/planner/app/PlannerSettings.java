package org.icbd.rcs.planner.app;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.naming.conventions.StringConvention;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.KafkaSettingsException;
import org.icbd.rcs.planner.topology.InputLimits;
import org.icbd.rcs.planner.topology.TopologySettings;

/**
 * Every setting of the planner, bound from {@code application-planner.yml}, the environment
 * ({@code ICBD_PLANNER_OFFLINE_AFTER=45s}) and the command line's flags, with the defaults below.
 * This class only carries values; {@link #checkConfig()} checks them all at start and refuses to
 * start with a message naming the first bad one. Its beans exist only in the planner's context
 * ({@code @Requires(env = "planner")}): the {@code icbd} jar carries every service's beans.
 *
 * <pre>
 * icbd:
 *   planner:
 *     application-id: icbd-planner      # Kafka Streams application id; instances sharing it share the work
 *     state-dir: ~/.icbd/planner-state  # the local stores, restored from Kafka when lost
 *     offline-after: 30s                # a replica without heartbeat for this long is OFFLINE
 *     stall-deadline: 5m                # a task without progress for this long is issued again
 *     compression: lz4                  # none | lz4 | zstd: the codec of tasks for replicas that announce none
 *     commit-interval: 100ms            # bounds the planner's latency (exactly-once)
 *     max-record-bytes: 262144          # a larger input record is a dead letter, never read
 *     max-versions-per-state: 1000      # a replica state listing more versions is a dead letter
 *     max-steps-per-task: 100           # a longer chain goes as several tasks
 *     kafka:
 *       bootstrap-servers: 127.0.0.1:9092
 *       properties: {security.protocol: SSL}   # passed to Kafka Streams (see KafkaClientSettings)
 * </pre>
 */
@Requires(env = PlannerSettings.ENVIRONMENT)
@ConfigurationProperties(PlannerSettings.PREFIX)
public class PlannerSettings {

    public static final String PREFIX = "icbd.planner";
    /** The Micronaut environment of the planner's context: selects {@code application-planner.yml}. */
    public static final String ENVIRONMENT = "planner";

    public static final String DEFAULT_APPLICATION_ID = PlannerConfig.DEFAULT_APPLICATION_ID;
    public static final Path DEFAULT_STATE_DIR = PlannerConfig.DEFAULT_STATE_DIR;
    public static final Duration DEFAULT_OFFLINE_AFTER = TopologySettings.DEFAULT_OFFLINE_AFTER;
    public static final Duration DEFAULT_STALL_DEADLINE = TopologySettings.DEFAULT_STALL_DEADLINE;
    public static final String DEFAULT_COMPRESSION = TopologySettings.DEFAULT_COMPRESSION.code();
    public static final Duration DEFAULT_COMMIT_INTERVAL = PlannerConfig.DEFAULT_COMMIT_INTERVAL;
    public static final int DEFAULT_MAX_RECORD_BYTES = InputLimits.DEFAULT_MAX_RECORD_BYTES;
    public static final int DEFAULT_MAX_VERSIONS_PER_STATE = InputLimits.DEFAULT_MAX_VERSIONS_PER_STATE;
    public static final int DEFAULT_MAX_STEPS_PER_TASK = InputLimits.DEFAULT_MAX_STEPS_PER_TASK;

    private String applicationId = DEFAULT_APPLICATION_ID;
    private String stateDir = DEFAULT_STATE_DIR.toString();
    private Duration offlineAfter = DEFAULT_OFFLINE_AFTER;
    private Duration stallDeadline = DEFAULT_STALL_DEADLINE;
    private String compression = DEFAULT_COMPRESSION;
    private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
    private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
    private int maxVersionsPerState = DEFAULT_MAX_VERSIONS_PER_STATE;
    private int maxStepsPerTask = DEFAULT_MAX_STEPS_PER_TASK;
    private Kafka kafka = new Kafka();

    /**
     * Checks every setting and returns the typed configuration.
     *
     * @throws InvalidPlannerSettingException naming the first setting that is missing or wrong
     */
    public PlannerConfig checkConfig() {
        String p = PREFIX + ".";
        KafkaClientSettings client;
        try {
            client = KafkaClientSettings.fromSection(p + "kafka", kafka.getBootstrapServers(), kafka.getProperties());
        } catch (KafkaSettingsException e) {
            throw new InvalidPlannerSettingException(e.setting(p + "kafka"), e.getCause().getMessage(), e);
        }
        Compression codec;
        try {
            codec = Compression.forCode(compression == null ? "" : compression.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidPlannerSettingException(p + "compression", e.getMessage(), e);
        }
        positive(offlineAfter, p + "offline-after", "offline-after");
        positive(stallDeadline, p + "stall-deadline", "stall-deadline");
        positive(commitInterval, p + "commit-interval", "commit-interval");
        if (stateDir == null || stateDir.isBlank()) {
            throw new InvalidPlannerSettingException(p + "state-dir", "state-dir is missing", null);
        }
        try {
            PlannerConfig.checkApplicationId(applicationId);
        } catch (IllegalArgumentException e) {
            throw new InvalidPlannerSettingException(p + "application-id", e.getMessage(), e);
        }
        atLeastOne(maxRecordBytes, p + "max-record-bytes", "max-record-bytes");
        atLeastOne(maxVersionsPerState, p + "max-versions-per-state", "max-versions-per-state");
        atLeastOne(maxStepsPerTask, p + "max-steps-per-task", "max-steps-per-task");
        InputLimits limits = new InputLimits(maxRecordBytes, maxVersionsPerState, maxStepsPerTask);
        return new PlannerConfig(client, applicationId, Path.of(stateDir.strip()),
                TopologySettings.of(offlineAfter, stallDeadline, codec).withLimits(limits), commitInterval);
    }

    private static void atLeastOne(int value, String setting, String name) {
        if (value < 1) {
            throw new InvalidPlannerSettingException(setting, name + " must be at least 1, got " + value, null);
        }
    }

    private static void positive(Duration value, String setting, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new InvalidPlannerSettingException(setting, name + " must be positive, got " + value, null);
        }
    }

    public String getApplicationId() {
        return applicationId;
    }

    public void setApplicationId(String applicationId) {
        this.applicationId = applicationId;
    }

    public String getStateDir() {
        return stateDir;
    }

    public void setStateDir(String stateDir) {
        this.stateDir = stateDir;
    }

    public Duration getOfflineAfter() {
        return offlineAfter;
    }

    public void setOfflineAfter(Duration offlineAfter) {
        this.offlineAfter = offlineAfter;
    }

    public Duration getStallDeadline() {
        return stallDeadline;
    }

    public void setStallDeadline(Duration stallDeadline) {
        this.stallDeadline = stallDeadline;
    }

    public String getCompression() {
        return compression;
    }

    public void setCompression(String compression) {
        this.compression = compression;
    }

    public Duration getCommitInterval() {
        return commitInterval;
    }

    public void setCommitInterval(Duration commitInterval) {
        this.commitInterval = commitInterval;
    }

    public int getMaxRecordBytes() {
        return maxRecordBytes;
    }

    public void setMaxRecordBytes(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    public int getMaxVersionsPerState() {
        return maxVersionsPerState;
    }

    public void setMaxVersionsPerState(int maxVersionsPerState) {
        this.maxVersionsPerState = maxVersionsPerState;
    }

    public int getMaxStepsPerTask() {
        return maxStepsPerTask;
    }

    public void setMaxStepsPerTask(int maxStepsPerTask) {
        this.maxStepsPerTask = maxStepsPerTask;
    }

    public Kafka getKafka() {
        return kafka;
    }

    public void setKafka(Kafka kafka) {
        this.kafka = kafka == null ? new Kafka() : kafka;
    }

    /** {@code icbd.planner.kafka.*}: the cluster and the pass-through client properties (TLS, SASL...). */
    @Requires(env = PlannerSettings.ENVIRONMENT)
    @ConfigurationProperties("kafka")
    public static class Kafka {

        public static final String DEFAULT_BOOTSTRAP_SERVERS = KafkaClientSettings.DEFAULT_BOOTSTRAP_SERVERS;

        private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
        private Map<String, String> properties = new LinkedHashMap<>();

        public String getBootstrapServers() {
            return bootstrapServers;
        }

        public void setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        /** Passed to Kafka Streams as is, by Kafka's names: {@code security.protocol: SSL}. */
        public Map<String, String> getProperties() {
            return properties;
        }

        public void setProperties(@MapFormat(transformation = MapFormat.MapTransformation.FLAT,
                keyFormat = StringConvention.RAW) Map<String, String> properties) {
            this.properties = properties == null ? new LinkedHashMap<>() : properties;
        }
    }
}
