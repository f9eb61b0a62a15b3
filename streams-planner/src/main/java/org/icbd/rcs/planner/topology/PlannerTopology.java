package org.icbd.rcs.planner.topology;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;

/**
 * The planner's Kafka Streams topology (DESIGN.md, flow 2), built by {@link #build} onto a
 * {@link StreamsBuilder} so that tests hand it straight to {@code TopologyTestDriver}.
 *
 * <h2>Shape</h2>
 * Everything is re-keyed by image and meets in one processor per image partition, which owns
 * every store of its images; a change to any input re-evaluates exactly the pairs it affects.
 * <pre>
 * sub-topology 0  icbd.replicas (replicaId) ─ read ─┬─ rejected ─▶ icbd.dead-letters
 *                                                  └─ fan-out [registrations] ─▶ subscription-changes (repartition, by image)
 * sub-topology 1  icbd.replica-state (replicaId/image) ─ read ─┬─ rejected ─▶ icbd.dead-letters
 *                                                             └─ key by image ─▶ state-reports (repartition)
 * sub-topology 2  icbd.image-versions (image) ─ read ─┬─ rejected ─▶ icbd.dead-letters
 *                 subscription-changes ───────────────┤
 *                 state-reports ──────────────────────┴─ merge ─ plan [histories, subscriptions,
 *                        held-states, task-ledgers, statuses] ─┬─▶ icbd.replication-tasks (replicaId)
 *                                                              ├─▶ icbd.replication-status (replicaId/image)
 *                                                              └─▶ icbd.dead-letters
 * </pre>
 * Internal topics are {@code <application.id>-subscription-changes-repartition},
 * {@code <application.id>-state-reports-repartition} and one {@code <application.id>-<store>-changelog}
 * per store: all state is rebuilt from them after a restart or on another instance.
 *
 * <h2>Why this shape</h2>
 * <ul>
 *   <li>Input values are consumed as bytes and read by an {@link IntakeProcessor}, so an unreadable
 *       record becomes a dead letter instead of a deserialization failure, and its dead letter
 *       names the input topic, partition and offset (which are lost after a repartition).</li>
 *   <li>Registrations are diffed against the previous one per replica before repartitioning, so
 *       that a subscription dropped from a list, or a deregistration, reaches the image it is
 *       about.</li>
 *   <li>One processor per image rather than table joins: tasks depend on what was issued before
 *       (the ledger) and on wall-clock time (offline, stalled), which joins cannot express; and
 *       one owner per image means no two stores can disagree.</li>
 *   <li>Co-partitioning: the merged inputs must put an image on the same partition number. The
 *       repartition topics take the partition count of their upstream inputs
 *       ({@code icbd.replicas}, {@code icbd.replica-state}), so the three input topics must have
 *       the same number of partitions; the application checks that before it starts.</li>
 *   <li>Stores are persistent, logged and uncached: the planner forwards its outputs itself, so a
 *       cache would only delay changelog writes, not outputs, and would hold state that matters in
 *       memory only.</li>
 * </ul>
 */
public final class PlannerTopology {

    /** replicaId → the replica's last registration (sub-topology 0). */
    public static final String REGISTRATIONS = "registrations";
    /** replicaId → the {@code lastSeen} of a replica declared silent (sub-topology 0); written on transitions only. */
    public static final String SILENT_REPLICAS = "silent-replicas";
    /** image → {@link History}. */
    public static final String HISTORIES = "histories";
    /** image/replicaId → {@link SubscriptionEntry}. */
    public static final String SUBSCRIPTIONS = "subscriptions";
    /** image/replicaId → {@link HeldState}. */
    public static final String HELD_STATES = "held-states";
    /** image/replicaId → {@link TaskLedger}. */
    public static final String TASK_LEDGERS = "task-ledgers";
    /** image/replicaId → the last {@link ReplicationStatus} emitted. */
    public static final String STATUSES = "statuses";

    /** Repartition topic names, without the application id prefix and -repartition suffix. */
    public static final String SUBSCRIPTION_CHANGES = "subscription-changes";
    public static final String STATE_REPORTS = "state-reports";

    private static final Serde<String> KEYS = Serdes.String();
    private static final Serde<ImageInput> INPUTS = new StateSerde<>(ImageInput.class);

    private PlannerTopology() {
    }

    /** Adds the planner's sources, processors, stores and sinks to {@code builder}. */
    public static void build(StreamsBuilder builder, TopologySettings settings) {
        build(builder, settings, PlannerCounts.NONE);
    }

    /** As {@link #build(StreamsBuilder, TopologySettings)}, telling {@code counts} what it does. */
    public static void build(StreamsBuilder builder, TopologySettings settings, PlannerCounts counts) {
        KStream<String, ImageInput> subscriptionChanges = accepted(
                read(builder, Topics.REPLICAS, RegistrationChange::read, settings.limits()), Topics.REPLICAS, counts)
                .process(new FanOutSupplier(settings), Named.as("fan-out-registrations"))
                .repartition(Repartitioned.<String, ImageInput>as(SUBSCRIPTION_CHANGES)
                        .withKeySerde(KEYS).withValueSerde(INPUTS));

        KStream<String, ImageInput> stateReports = accepted(
                read(builder, Topics.REPLICA_STATE,
                        (key, value) -> ImageInput.readReplicaState(key, value, settings.limits()), settings.limits()), Topics.REPLICA_STATE,
                counts)
                .selectKey((pairKey, input) -> input.image(), Named.as("key-state-by-image"))
                .repartition(Repartitioned.<String, ImageInput>as(STATE_REPORTS)
                        .withKeySerde(KEYS).withValueSerde(INPUTS));

        KStream<String, ImageInput> versionEvents = accepted(
                read(builder, Topics.IMAGE_VERSIONS, ImageInput::readVersionEvent, settings.limits()), Topics.IMAGE_VERSIONS,
                counts);

        Map<String, KStream<String, PlannerOutput>> outputs = versionEvents
                .merge(subscriptionChanges, Named.as("merge-subscriptions"))
                .merge(stateReports, Named.as("merge-states"))
                .process(new PlannerSupplier(settings, counts), Named.as("plan"))
                .split(Named.as("output-"))
                .branch((key, out) -> out instanceof PlannerOutput.TaskIssued, Branched.as("tasks"))
                .branch((key, out) -> out instanceof PlannerOutput.StatusChanged, Branched.as("statuses"))
                .defaultBranch(Branched.as("rejected"));

        outputs.get("output-tasks")
                .mapValues(out -> {
                    counts.taskIssued();
                    return ((PlannerOutput.TaskIssued) out).task();
                }, Named.as("task-values"))
                .to(Topics.REPLICATION_TASKS.name(), produced(Topics.REPLICATION_TASKS, "tasks"));
        outputs.get("output-statuses")
                .mapValues(out -> ((PlannerOutput.StatusChanged) out).status().orElse(null), Named.as("status-values"))
                .to(Topics.REPLICATION_STATUS.name(), produced(Topics.REPLICATION_STATUS, "statuses"));
        outputs.get("output-rejected")
                .mapValues(out -> {
                    counts.deadLettered("plan");
                    return ((PlannerOutput.Rejected) out).letter();
                }, Named.as("plan-dead-letters"))
                .to(Topics.DEAD_LETTERS.name(), produced(Topics.DEAD_LETTERS, "plan"));
    }

    private static <T> KStream<String, Intake<T>> read(StreamsBuilder builder, Topic<String, ?> topic,
                                                        Intake.Reader<T> reader, InputLimits limits) {
        String name = shortName(topic);
        return builder.stream(topic.name(), Consumed.with(KEYS, Serdes.ByteArray()).withName("source-" + name))
                .processValues(() -> new IntakeProcessor<>(reader, limits.maxRecordBytes()), Named.as("read-" + name));
    }

    /** Sends the rejected records of an input to the dead letters and returns the accepted ones. */
    private static <T> KStream<String, T> accepted(KStream<String, Intake<T>> read, Topic<String, ?> topic,
                                                   PlannerCounts counts) {
        String name = shortName(topic);
        Map<String, KStream<String, Intake<T>>> branches = read.split(Named.as(name + "-"))
                .branch((key, intake) -> intake instanceof Intake.Rejected, Branched.as("rejected"))
                .defaultBranch(Branched.as("accepted"));
        branches.get(name + "-rejected")
                .mapValues(intake -> {
                    counts.deadLettered(name);
                    return ((Intake.Rejected<T>) intake).letter();
                }, Named.as(name + "-dead-letters"))
                .to(Topics.DEAD_LETTERS.name(), produced(Topics.DEAD_LETTERS, name));
        return branches.get(name + "-accepted")
                .mapValues(intake -> ((Intake.Accepted<T>) intake).value(), Named.as(name + "-values"));
    }

    private static <V> Produced<String, V> produced(Topic<String, V> topic, String from) {
        return Produced.with(topic.keySerde(), topic.valueSerde()).withName("sink-" + shortName(topic) + "-" + from);
    }

    /** {@code icbd.replica-state} → {@code replica-state}. */
    private static String shortName(Topic<String, ?> topic) {
        return topic.name().substring(topic.name().indexOf('.') + 1);
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), KEYS, values).withCachingDisabled();
    }

    private static final class FanOutSupplier implements ProcessorSupplier<String, RegistrationChange, String, ImageInput> {
        private final TopologySettings settings;

        FanOutSupplier(TopologySettings settings) {
            this.settings = settings;
        }

        @Override
        public Processor<String, RegistrationChange, String, ImageInput> get() {
            return new RegistrationFanOut(settings);
        }

        @Override
        public Set<StoreBuilder<?>> stores() {
            return Set.of(store(REGISTRATIONS, Topics.REPLICAS.valueSerde()), store(SILENT_REPLICAS, KEYS));
        }
    }

    private static final class PlannerSupplier implements ProcessorSupplier<String, ImageInput, String, PlannerOutput> {
        private final TopologySettings settings;
        private final PlannerCounts counts;

        PlannerSupplier(TopologySettings settings, PlannerCounts counts) {
            this.settings = settings;
            this.counts = counts;
        }

        @Override
        public Processor<String, ImageInput, String, PlannerOutput> get() {
            return new TimedProcessor<>(new ImagePlanner(settings), counts);
        }

        @Override
        public Set<StoreBuilder<?>> stores() {
            return Set.of(
                    store(HISTORIES, new StateSerde<>(History.class)),
                    store(SUBSCRIPTIONS, new StateSerde<>(SubscriptionEntry.class)),
                    store(HELD_STATES, new StateSerde<>(HeldState.class)),
                    store(TASK_LEDGERS, new StateSerde<>(TaskLedger.class)),
                    // The statuses this processor wrote, in the status topic's JSON: read back
                    // directly rather than checked as a foreign event is (JsonSerde).
                    store(STATUSES, new StateSerde<>(ReplicationStatus.class)));
        }
    }
}
