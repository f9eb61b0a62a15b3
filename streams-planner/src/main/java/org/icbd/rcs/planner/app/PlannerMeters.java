package org.icbd.rcs.planner.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.planner.topology.PlannerCounts;
import org.icbd.rcs.planner.topology.PlannerTopology;

/**
 * The planner's meters, in a Prometheus registry of its own ({@link #scrape()}):
 *
 * <ul>
 *   <li>{@code icbd_planner_tasks_issued_total};
 *   <li>{@code icbd_planner_dead_letters_total{source}}: by input topic ({@code replicas},
 *       {@code replica-state}, {@code image-versions}), {@code plan}, {@code deserialization} or
 *       {@code processing};
 *   <li>{@code icbd_planner_processing_seconds}: a histogram of the time one input record takes the
 *       per-image planner;
 *   <li>{@code icbd_planner_pairs{state}}: the (replica, image) pairs whose partitions this instance
 *       plans, by their last status; sum over the instances for the fleet. Read from the local
 *       status store at most once a second, whatever the scrape rate;
 *   <li>Kafka Streams' own metrics ({@code kafka_stream_*}) and the JVM's.
 * </ul>
 */
public final class PlannerMeters implements PlannerCounts, AutoCloseable {

    /** The Streams config entry under which the exception handlers find these counts. */
    public static final String COUNTS_CONFIG = "icbd.planner.counts";

    private static final Duration PAIRS_FRESH_FOR = Duration.ofSeconds(1);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter tasks;
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Timer processing;
    private volatile Map<ReplicationState, Long> pairs = new EnumMap<>(ReplicationState.class);
    private volatile long pairsReadAt = Long.MIN_VALUE;
    private KafkaStreamsMetrics streamsMetrics;

    public PlannerMeters() {
        tasks = Counter.builder("icbd.planner.tasks.issued").description("Replication tasks issued")
                .register(registry);
        processing = Timer.builder("icbd.planner.processing")
                .description("Time the per-image planner takes for one input record")
                .publishPercentileHistogram().register(registry);
        for (String source : new String[] {"replicas", "replica-state", "image-versions", "plan", "deserialization",
                "processing"}) {
            deadLetter(source);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** The counts the exception handlers were configured with, or {@link PlannerCounts#NONE}. */
    static PlannerCounts counts(Map<String, ?> configs) {
        return configs.get(COUNTS_CONFIG) instanceof PlannerCounts c ? c : PlannerCounts.NONE;
    }

    /**
     * Registers the meters that read the running planner: pairs by state and Streams' own metrics.
     *
     * @param streams the current Streams instance, read at every scrape (it is replaced after a failure)
     */
    void watch(Supplier<KafkaStreams> streams) {
        for (ReplicationState state : ReplicationState.values()) {
            Gauge.builder("icbd.planner.pairs", () -> pairs(streams.get()).getOrDefault(state, 0L))
                    .description("(replica, image) pairs planned by this instance, by their last status")
                    .tag("state", state.name()).register(registry);
        }
        rewatch(streams.get());
    }

    /** Reads Streams' own metrics from {@code streams}, no longer from the instance it replaced. */
    synchronized void rewatch(KafkaStreams streams) {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    /** Stops reading Streams' metrics; the registry answers what it had. */
    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
            streamsMetrics = null;
        }
    }

    /** Everything in the Prometheus text format. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void taskIssued() {
        tasks.increment();
    }

    @Override
    public void deadLettered(String source) {
        deadLetter(source).increment();
    }

    @Override
    public void processed(long nanos) {
        processing.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter deadLetter(String source) {
        return deadLetters.computeIfAbsent(source, s -> Counter.builder("icbd.planner.dead.letters")
                .description("Records sent to icbd.dead-letters, by where they came from").tag("source", s)
                .register(registry));
    }

    private synchronized Map<ReplicationState, Long> pairs(KafkaStreams streams) {
        long now = System.nanoTime();
        if (pairsReadAt != Long.MIN_VALUE && now - pairsReadAt < PAIRS_FRESH_FOR.toNanos()) {
            return pairs;
        }
        Map<ReplicationState, Long> counted = new EnumMap<>(ReplicationState.class);
        try {
            ReadOnlyKeyValueStore<String, ReplicationStatus> store = streams.store(StoreQueryParameters.fromNameAndType(
                    PlannerTopology.STATUSES, QueryableStoreTypes.<String, ReplicationStatus>keyValueStore()));
            try (KeyValueIterator<String, ReplicationStatus> all = store.all()) {
                all.forEachRemaining(kv -> {
                    if (kv.value != null) {
                        counted.merge(kv.value.state(), 1L, Long::sum);
                    }
                });
            }
        } catch (InvalidStateStoreException e) {
            // Rebalancing or not running yet: keep what was last read.
            return pairs;
        }
        pairs = counted;
        pairsReadAt = now;
        return counted;
    }
}
