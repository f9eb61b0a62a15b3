package org.icbd.rcs.planner.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.planner.topology.TopologySettings;

/**
 * Every setting of the planner application, typed, defaulted and validated on construction: a
 * bad value fails with a message naming the setting as the command line spells it.
 * {@link PlannerSettings} binds them from {@code icbd.planner.*}.
 *
 * @param kafka             the Kafka cluster and the pass-through client properties (TLS, SASL,
 *                          client tuning), which Kafka Streams gets after and therefore over the
 *                          planner's own tuning, never over its fixed settings (see {@link KafkaClientSettings})
 * @param applicationId     the Kafka Streams application id: consumer group, transactional id
 *                          prefix and the prefix of the internal topics. Instances sharing it share
 *                          the work; a new id starts from scratch
 * @param stateDir          where the local RocksDB stores live; a cache of the changelogs, so it
 *                          may be lost (the stores are restored) but not shared by two instances
 * @param topology          offline-after, stall-deadline, compression, punctuation interval
 * @param commitInterval    how often Streams commits; with exactly-once, outputs become visible
 *                          to {@code read_committed} readers only at a commit, so this bounds
 *                          the planner's latency
 */
public record PlannerConfig(KafkaClientSettings kafka, String applicationId, Path stateDir, TopologySettings topology,
                            Duration commitInterval) {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = KafkaClientSettings.DEFAULT_BOOTSTRAP_SERVERS;
    public static final String DEFAULT_APPLICATION_ID = "icbd-planner";
    /**
     * Streams keeps each application id's stores in a subdirectory, so instances with different
     * ids may share it. Not under the temporary directory, which the OS may clean under a running
     * planner (its checkpoints lost, the stores would be restored in full at the next start).
     */
    public static final Path DEFAULT_STATE_DIR = Path.of(System.getProperty("user.home"), ".icbd", "planner-state");
    /** A new version becomes a visible task within about one commit interval. */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);

    /** Stream threads per instance, unless a pass-through property says otherwise. */
    public static final int DEFAULT_STREAM_THREADS = 2;

    /** What Kafka accepts in a group id and in topic names, which the application id becomes part of. */
    private static final Pattern APPLICATION_ID = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    public PlannerConfig {
        Objects.requireNonNull(kafka, "bootstrap is missing");
        checkApplicationId(applicationId);
        Objects.requireNonNull(stateDir, "state-dir is missing");
        Objects.requireNonNull(topology, "topology settings are missing");
        Objects.requireNonNull(commitInterval, "commit-interval is missing");
        if (commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("commit-interval must be positive, got " + commitInterval);
        }
    }

    /** Valid iff Kafka accepts it in a group id and in topic names; the message names application-id. */
    static void checkApplicationId(String applicationId) {
        Objects.requireNonNull(applicationId, "application-id is missing");
        if (!APPLICATION_ID.matcher(applicationId).matches()) {
            throw new IllegalArgumentException("application-id '" + applicationId
                    + "' must be 1-200 characters of a-z, A-Z, 0-9, '.', '_' or '-'");
        }
    }

    public static PlannerConfig defaults() {
        return new PlannerConfig(KafkaClientSettings.of(DEFAULT_BOOTSTRAP_SERVERS), DEFAULT_APPLICATION_ID,
                DEFAULT_STATE_DIR, TopologySettings.DEFAULTS, DEFAULT_COMMIT_INTERVAL);
    }

    public PlannerConfig withKafka(KafkaClientSettings value) {
        return new PlannerConfig(value, applicationId, stateDir, topology, commitInterval);
    }

    /** The same pass-through properties on another cluster. */
    public PlannerConfig withBootstrapServers(String value) {
        return withKafka(new KafkaClientSettings(value, kafka.properties()));
    }

    public PlannerConfig withApplicationId(String value) {
        return new PlannerConfig(kafka, value, stateDir, topology, commitInterval);
    }

    public PlannerConfig withStateDir(Path value) {
        return new PlannerConfig(kafka, applicationId, value, topology, commitInterval);
    }

    public PlannerConfig withTopology(TopologySettings value) {
        return new PlannerConfig(kafka, applicationId, stateDir, value, commitInterval);
    }

    public PlannerConfig withCommitInterval(Duration value) {
        return new PlannerConfig(kafka, applicationId, stateDir, topology, value);
    }

    /** The bootstrap servers of {@link #kafka}. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The main consumers' session timeout: how long a crashed instance holds its partitions. */
    public static final int SESSION_TIMEOUT_MS = 10_000;

    /**
     * The Kafka Streams configuration.
     * <ul>
     *   <li>{@code exactly_once_v2} (fixed by {@link KafkaClientSettings#streamsConfig}): a task, its
     *       status, the store updates behind them and the input offsets commit together, so a
     *       restart neither loses nor repeats a task;</li>
     *   <li>{@code commit.interval.ms} = {@link #commitInterval} (100 ms): with exactly-once the
     *       commit is when outputs become visible;</li>
     *   <li>{@code statestore.cache.max.bytes} = 0: the topology has no table whose output a cache
     *       could compact, and its own stores are uncached;</li>
     *   <li>{@code max.task.idle.ms} = -1: a task processes what it has instead of first making
     *       sure its other input partitions have nothing older to offer. The planner judges each
     *       input against its stores (stale or repeated inputs change nothing), so interleaving
     *       does not change its final decisions, and waiting cost up to ~100 ms per new version;</li>
     *   <li>{@code num.stream.threads} = {@value #DEFAULT_STREAM_THREADS}: the image partitions of one
     *       instance are planned on two threads, so one busy image does not hold up the others
     *       (a pass-through {@code num.stream.threads} changes it);</li>
     *   <li>{@code main.consumer.session.timeout.ms} = {@value #SESSION_TIMEOUT_MS}: after a crash
     *       (SIGKILL), a restarted or standing-by instance gets the partitions within 10 s instead of
     *       the default 45 s; a clean stop leaves the group at once anyway;</li>
     *   <li>the three exception handlers: unreadable records, processing failures and failed
     *       outputs are logged, dead-lettered where a source record exists, and skipped.</li>
     * </ul>
     */
    public Properties streamsProperties() {
        Map<String, Object> tuning = new LinkedHashMap<>();
        tuning.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        tuning.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval.toMillis());
        tuning.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        tuning.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        tuning.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        tuning.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, DEFAULT_STREAM_THREADS);
        tuning.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetteringDeserializationHandler.class);
        tuning.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetteringProcessingHandler.class);
        // There is no global store today; should one come, it is handled the same way.
        tuning.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        tuning.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, LoggingProductionHandler.class);
        // A killed instance's partitions go to a new one once its session expires: 10 s, not the
        // default 45 s (heartbeats every 3 s, from a thread of their own).
        tuning.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
        // A planner that starts for the first time reads every input from the beginning.
        tuning.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        Properties props = new Properties();
        props.putAll(kafka.streamsConfig(applicationId, tuning));
        return props;
    }
}
