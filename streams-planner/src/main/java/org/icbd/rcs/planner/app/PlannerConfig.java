package org.icbd.rcs.planner.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.icbd.rcs.planner.topology.TopologySettings;

/**
 * Every setting of the planner application, typed, defaulted and validated on construction: a
 * bad value fails with a message naming the setting as the command line spells it.
 *
 * @param bootstrapServers  {@code host:port[,host:port...]} of the Kafka cluster
 * @param applicationId     the Kafka Streams application id: consumer group, transactional id
 *                          prefix and the prefix of the internal topics. Instances sharing it share
 *                          the work; a new id starts from scratch
 * @param stateDir          where the local RocksDB stores live; a cache of the changelogs, so it
 *                          may be lost (the stores are restored) but not shared by two instances
 * @param topology          offline-after, stall-deadline, compression, punctuation interval
 * @param commitInterval    how often Streams commits; with exactly-once, outputs become visible
 *                          to {@code read_committed} readers only at a commit, so this bounds
 *                          the planner's latency
 * @param clientProperties  passed to Kafka Streams as they are (TLS, SASL, client tuning), after
 *                          and therefore over the planner's own settings
 */
public record PlannerConfig(String bootstrapServers, String applicationId, Path stateDir, TopologySettings topology,
                            Duration commitInterval, Map<String, String> clientProperties) {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final String DEFAULT_APPLICATION_ID = "icbd-planner";
    /**
     * Streams keeps each application id's stores in a subdirectory, so instances with different
     * ids may share it. Not under the temporary directory, which the OS may clean under a running
     * planner (its checkpoints lost, the stores would be restored in full at the next start).
     */
    public static final Path DEFAULT_STATE_DIR = Path.of(System.getProperty("user.home"), ".icbd", "planner-state");
    /** A new version becomes a visible task within about one commit interval. */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);

    private static final Pattern HOST_PORT = Pattern.compile("[^\\s,:]+:\\d{1,5}");
    /** What Kafka accepts in a group id and in topic names, which the application id becomes part of. */
    private static final Pattern APPLICATION_ID = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    public PlannerConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrap is missing");
        for (String server : bootstrapServers.split(",", -1)) {
            if (!HOST_PORT.matcher(server.strip()).matches()) {
                throw new IllegalArgumentException("bootstrap '" + bootstrapServers
                        + "' is not a list of host:port separated by commas");
            }
        }
        Objects.requireNonNull(applicationId, "application-id is missing");
        if (!APPLICATION_ID.matcher(applicationId).matches()) {
            throw new IllegalArgumentException("application-id '" + applicationId
                    + "' must be 1-200 characters of a-z, A-Z, 0-9, '.', '_' or '-'");
        }
        Objects.requireNonNull(stateDir, "state-dir is missing");
        Objects.requireNonNull(topology, "topology settings are missing");
        Objects.requireNonNull(commitInterval, "commit-interval is missing");
        if (commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("commit-interval must be positive, got " + commitInterval);
        }
        clientProperties = Map.copyOf(Objects.requireNonNull(clientProperties, "client properties are missing"));
    }

    public static PlannerConfig defaults() {
        return new PlannerConfig(DEFAULT_BOOTSTRAP_SERVERS, DEFAULT_APPLICATION_ID, DEFAULT_STATE_DIR,
                TopologySettings.DEFAULTS, DEFAULT_COMMIT_INTERVAL, Map.of());
    }

    public PlannerConfig withBootstrapServers(String value) {
        return new PlannerConfig(value, applicationId, stateDir, topology, commitInterval, clientProperties);
    }

    public PlannerConfig withApplicationId(String value) {
        return new PlannerConfig(bootstrapServers, value, stateDir, topology, commitInterval, clientProperties);
    }

    public PlannerConfig withStateDir(Path value) {
        return new PlannerConfig(bootstrapServers, applicationId, value, topology, commitInterval, clientProperties);
    }

    public PlannerConfig withTopology(TopologySettings value) {
        return new PlannerConfig(bootstrapServers, applicationId, stateDir, value, commitInterval, clientProperties);
    }

    public PlannerConfig withCommitInterval(Duration value) {
        return new PlannerConfig(bootstrapServers, applicationId, stateDir, topology, value, clientProperties);
    }

    public PlannerConfig withClientProperties(Map<String, String> value) {
        return new PlannerConfig(bootstrapServers, applicationId, stateDir, topology, commitInterval, value);
    }

    /**
     * The Kafka Streams configuration.
     * <ul>
     *   <li>{@code exactly_once_v2}: a task, its status, the store updates behind them and the
     *       input offsets commit together, so a restart neither loses nor repeats a task;</li>
     *   <li>{@code commit.interval.ms} = {@link #commitInterval} (100 ms): with exactly-once the
     *       commit is when outputs become visible;</li>
     *   <li>{@code statestore.cache.max.bytes} = 0: the topology has no table whose output a cache
     *       could compact, and its own stores are uncached;</li>
     *   <li>{@code max.task.idle.ms} = -1: a task processes what it has instead of first making
     *       sure its other input partitions have nothing older to offer. The planner judges each
     *       input against its stores (stale or repeated inputs change nothing), so interleaving
     *       does not change its final decisions, and waiting cost up to ~100 ms per new version;</li>
     *   <li>the three exception handlers: unreadable records, processing failures and failed
     *       outputs are logged, dead-lettered where a source record exists, and skipped.</li>
     * </ul>
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval.toMillis());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringProcessingHandler.class);
        // There is no global store today; should one come, it is handled the same way.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, LoggingProductionHandler.class);
        // A planner that starts for the first time reads every input from the beginning.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.putAll(clientProperties);
        return props;
    }
}
