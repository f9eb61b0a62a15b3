package org.icbd.rcs.planner.topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ImageVersionRetired;
import org.icbd.rcs.events.PeerService;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.planner.app.PlannerConfig;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;

/**
 * The planner topology in a {@code TopologyTestDriver}, with the application's own Streams
 * configuration, typed helpers to feed the input topics (as raw bytes, so tests can feed garbage
 * too) and to drain the output topics. Wall-clock time starts at {@link #T0} and moves only by
 * {@link #advance}.
 */
final class PlannerDriver implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-03-02T08:00:00Z");

    private final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> versions;
    private final TestInputTopic<String, byte[]> replicas;
    private final TestInputTopic<String, byte[]> states;
    private final TestOutputTopic<String, ReplicationTask> tasks;
    private final TestOutputTopic<String, ReplicationStatus> statuses;
    private final TestOutputTopic<String, DeadLetter> deadLetters;
    private final Map<String, TreeSet<Integer>> published = new HashMap<>();
    private final Map<String, ReplicaRegistered> registrations = new HashMap<>();
    private Duration elapsed = Duration.ZERO;

    PlannerDriver(Path stateDir, TopologySettings settings) {
        PlannerConfig config = PlannerConfig.defaults()
                .withBootstrapServers("127.0.0.1:9")
                .withStateDir(stateDir)
                .withTopology(settings);
        Properties props = config.streamsProperties();
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        PlannerTopology.build(builder, settings);
        driver = new TopologyTestDriver(builder.build(props), props, T0);
        versions = input(Topics.IMAGE_VERSIONS);
        replicas = input(Topics.REPLICAS);
        states = input(Topics.REPLICA_STATE);
        tasks = output(Topics.REPLICATION_TASKS);
        statuses = output(Topics.REPLICATION_STATUS);
        deadLetters = output(Topics.DEAD_LETTERS);
    }

    /** The master's uuid of {@code version} of {@code image} in these tests: distinct per image and version. */
    static String uuid(String image, int version) {
        return UUID.nameUUIDFromBytes((image + "@" + version).getBytes(StandardCharsets.UTF_8)).toString();
    }

    Instant now() {
        return T0.plus(elapsed);
    }

    void advance(Duration by) {
        elapsed = elapsed.plus(by);
        driver.advanceWallClockTime(by);
    }

    /**
     * Every registered replica sends a heartbeat every {@code interval} for {@code total}: wall
     * time moves by {@code interval} (running the punctuations) and then the heartbeats arrive.
     */
    void heartbeatsEvery(Duration interval, Duration total) {
        Duration done = Duration.ZERO;
        while (done.plus(interval).compareTo(total) <= 0) {
            advance(interval);
            done = done.plus(interval);
            List.copyOf(registrations.keySet()).forEach(this::heartbeat);
        }
        if (done.compareTo(total) < 0) {
            advance(total.minus(done));
        }
    }

    /** Publishes {@code version}, its parent being the newest version published before it. */
    void publish(String image, int version) {
        TreeSet<Integer> before = published.computeIfAbsent(image, i -> new TreeSet<>());
        Integer parent = before.lower(version);
        ImageVersionPublished event = ImageVersionPublished.of(image, version, uuid(image, version),
                Optional.ofNullable(parent), Optional.ofNullable(parent).map(p -> uuid(image, p)), 1000L * version,
                now(), "master");
        before.add(version);
        send(versions, Topics.IMAGE_VERSIONS, image, event);
    }

    /** Sends {@code event} as it is (a forged one, or a correction); the driver's notion of what was published stays. */
    void publish(ImageVersionPublished event) {
        send(versions, Topics.IMAGE_VERSIONS, event.image(), event);
    }

    /** The event {@link #publish(String, int)} sends for {@code version} whose parent is {@code parent}. */
    ImageVersionPublished published(String image, int version, Integer parent) {
        return ImageVersionPublished.of(image, version, uuid(image, version), Optional.ofNullable(parent),
                Optional.ofNullable(parent).map(p -> uuid(image, p)), 1000L * version, now(), "master");
    }

    void retire(String image, int version) {
        send(versions, Topics.IMAGE_VERSIONS, image,
                ImageVersionRetired.of(image, version, uuid(image, version), now(), "master"));
    }

    void register(String replica, String site, Subscription... subscriptions) {
        register(replica, site, Optional.empty(), subscriptions);
    }

    /** Registers {@code replica} announcing {@code compression} as its preferred codec (if any). */
    void register(String replica, String site, Optional<Compression> compression, Subscription... subscriptions) {
        ReplicaRegistered registered = ReplicaRegistered.of(replica, site, List.of(subscriptions), "icbd",
                "SHA256:test", "test", compression, now());
        registrations.put(replica, registered);
        send(replicas, Topics.REPLICAS, replica, registered);
    }

    /** Registers {@code replica} as serving its site's replicas, at most {@code maxDownstreams} at once. */
    void registerServing(String replica, String site, int maxDownstreams, Subscription... subscriptions) {
        ReplicaRegistered registered = ReplicaRegistered.of(replica, site, List.of(subscriptions), "icbd",
                "SHA256:test", "test", Optional.empty(), now())
                .serving(new PeerService("127.0.0.1", 2300, "SHA256:host-" + replica, maxDownstreams));
        registrations.put(replica, registered);
        send(replicas, Topics.REPLICAS, replica, registered);
    }

    /** The replica registers again as before but for its codec preference, as after a restart with a new setting. */
    void announce(String replica, Optional<Compression> compression) {
        ReplicaRegistered before = registrations.get(replica);
        register(replica, before.site(), compression, before.subscriptions().toArray(Subscription[]::new));
    }

    /** The replica's last registration, seen again now. */
    void heartbeat(String replica) {
        ReplicaRegistered again = registrations.get(replica).heartbeat(now());
        registrations.put(replica, again);
        send(replicas, Topics.REPLICAS, replica, again);
    }

    void deregister(String replica) {
        registrations.remove(replica);
        replicas.pipeInput(replica, null, now());
    }

    /** The replica reports holding {@code held} (the master's snapshots of those versions). */
    ReplicaImageState report(String replica, String image, List<Integer> held, Optional<StepReport> lastStep,
                             Optional<TransferProgress> transfer) {
        List<HeldVersion> versions = new ArrayList<>();
        held.forEach(v -> versions.add(new HeldVersion(v, uuid(image, v))));
        return report(ReplicaImageState.of(replica, image, versions, lastStep, transfer, now()));
    }

    ReplicaImageState report(String replica, String image, Integer... held) {
        return report(replica, image, List.of(held), Optional.empty(), Optional.empty());
    }

    ReplicaImageState report(ReplicaImageState state) {
        send(states, Topics.REPLICA_STATE, new PairKey(state.replicaId(), state.image()).toString(), state);
        return state;
    }

    /** Feeds raw bytes to an input topic, as a producer that knows nothing of our events could. */
    void pipeRaw(Topic<String, ?> topic, String key, byte[] value) {
        input(topic).pipeInput(key, value, now());
    }

    void pipeRaw(Topic<String, ?> topic, String key, String value) {
        pipeRaw(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    List<ReplicationTask> tasks() {
        return tasks.readValuesToList();
    }

    /** Status records emitted since the last call, in order; a tombstone has a null value. */
    List<KeyValue<String, ReplicationStatus>> statuses() {
        return statuses.readKeyValuesToList();
    }

    /** The values of {@link #statuses()}. */
    List<ReplicationStatus> statusValues() {
        return statuses().stream().map(kv -> kv.value).toList();
    }

    List<KeyValue<String, DeadLetter>> deadLetters() {
        return deadLetters.readKeyValuesToList();
    }

    /** Drains every output topic. */
    void drain() {
        tasks();
        statuses();
        deadLetters();
    }

    @Override
    public void close() {
        driver.close();
    }

    /** Feeds one event, serialized as its producer would. */
    <V> void send(Topic<String, V> topic, String key, V value) {
        send(input(topic), topic, key, value);
    }

    private <V> void send(TestInputTopic<String, byte[]> input, Topic<String, V> topic, String key, V value) {
        input.pipeInput(key, topic.valueSerde().serializer().serialize(topic.name(), value), now());
    }

    private TestInputTopic<String, byte[]> input(Topic<String, ?> topic) {
        return driver.createInputTopic(topic.name(), new StringSerializer(), new ByteArraySerializer());
    }

    private <V> TestOutputTopic<String, V> output(Topic<String, V> topic) {
        return driver.createOutputTopic(topic.name(), new StringDeserializer(), topic.valueSerde().deserializer());
    }
}
