package org.icbd.rcs.planner.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.planner.topology.TopologySettings;
import org.icbd.rcs.testkit.LocalKafkaExtension;
import org.icbd.rcs.testkit.MetricsScrape;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planner application against a real broker: versions, registrations and replica states in,
 * tasks and statuses out (read as a replica would, {@code read_committed}), across restarts of
 * the planner with the same and with a fresh state directory.
 */
class PlannerIT {

    private static final Logger LOG = LoggerFactory.getLogger(PlannerIT.class);

    @RegisterExtension
    static final LocalKafkaExtension KAFKA = new LocalKafkaExtension();

    private static final String IMAGE = "ubuntu";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path stateDirs;

    private KafkaProducer<String, byte[]> producer;
    private TopicReader<String, ReplicationTask> taskReader;
    private TopicReader<String, ReplicationStatus> statusReader;
    private final List<ReplicationTask> tasks = new ArrayList<>();
    private final Map<String, ReplicationStatus> statuses = new HashMap<>();
    private final Map<ReplicationTask, Long> taskSeenAtNanos = new HashMap<>();
    private final List<PlannerApplication> planners = new ArrayList<>();
    private int published;

    @BeforeEach
    void clients() {
        KafkaClientSettings kafka = KafkaClientSettings.of(KAFKA.bootstrapServers());
        producer = new KafkaProducer<>(kafka.producerConfig("planner-it"), new StringSerializer(),
                new ByteArraySerializer());
        // The broker may park an empty fetch for up to this long (500 ms by default): keep the
        // test's own readers from adding to the latency it measures.
        KafkaClientSettings reading = kafka.withProperties(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10"));
        taskReader = TopicReader.open(reading, "planner-it-tasks", Topics.REPLICATION_TASKS, WAIT);
        statusReader = TopicReader.open(reading, "planner-it-statuses", Topics.REPLICATION_STATUS, WAIT);
    }

    @AfterEach
    void closeClients() {
        planners.forEach(PlannerApplication::close);
        producer.close();
        taskReader.close();
        statusReader.close();
    }

    @Test
    void plansOnARealBrokerAndNeitherLosesNorRepeatsTasksAcrossRestarts() throws Exception {
        PlannerConfig config = PlannerConfig.defaults()
                .withBootstrapServers(KAFKA.bootstrapServers())
                .withApplicationId("planner-it")
                .withStateDir(stateDirs.resolve("first"))
                .withTopology(TopologySettings.DEFAULTS.withOfflineAfter(Duration.ofMinutes(10)));
        PlannerApplication first = start(config);

        register("lab-a", 3);
        register("lab-b", 1);
        report("lab-a", List.of(), Optional.empty());
        report("lab-b", List.of(), Optional.empty());
        awaitStatus("lab-a", s -> s.state() == ReplicationState.IN_SYNC && s.latest().isEmpty());

        // publish -> tasks latency (until both replicas' tasks are readable), measured, not asserted
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long sent = System.nanoTime();
            int version = publish();
            long seen = 0;
            for (String replica : List.of("lab-a", "lab-b")) {
                ReplicationTask task = awaitTask(t -> t.replicaId().equals(replica) && t.target() == version);
                seen = Math.max(seen, taskSeenAtNanos.get(task));
            }
            latencies.add(TimeUnit.NANOSECONDS.toMillis(seen - sent));
        }
        List<Long> sorted = latencies.stream().sorted().toList();
        LOG.info("publish -> task latency on the local broker (read_committed, commit.interval.ms={}): {} ms; "
                + "median {} ms, max {} ms", config.commitInterval().toMillis(), latencies, sorted.get(2), sorted.get(4));

        ReplicationTask forA = lastTask("lab-a");
        assertEquals(List.of(), forA.expectHave());
        assertEquals(List.of(3, 4, 5), forA.steps().stream().map(s -> s.version()).toList());
        assertEquals(Compression.LZ4, forA.compression());
        assertEquals(List.of(5), lastTask("lab-b").steps().stream().map(s -> s.version()).toList());

        // lab-a applies its task; lab-b's next task must come from a planner that restarted.
        report("lab-a", List.of(3, 4, 5), Optional.of(StepReport.applied(forA.taskId(), 5, 1000, 10)));
        awaitStatus("lab-a", s -> s.state() == ReplicationState.IN_SYNC && s.have().equals(List.of(3, 4, 5)));

        // Its /metrics, scraped over HTTP: every task it issued, a bad registration dead-lettered, both pairs.
        try (PlannerHttp http = PlannerHttp.start(-1, first)) {
            producer.send(new ProducerRecord<>(Topics.REPLICAS.name(), "lab-bad",
                    "not json".getBytes(StandardCharsets.UTF_8))).get();
            URI metrics = URI.create("http://127.0.0.1:" + http.port() + "/metrics");
            await().atMost(WAIT).until(() -> {
                drain();
                MetricsScrape m = MetricsScrape.of(metrics);
                return m.value("icbd_planner_tasks_issued_total") == tasks.size()
                        && m.value("icbd_planner_dead_letters_total", "source", "replicas") == 1;
            });
            MetricsScrape m = MetricsScrape.of(metrics);
            assertEquals(1, m.require("icbd_planner_pairs", "state", "IN_SYNC"), m.text());
            assertEquals(2, java.util.Arrays.stream(ReplicationState.values())
                    .mapToDouble(state -> m.require("icbd_planner_pairs", "state", state.name())).sum());
            assertTrue(m.require("icbd_planner_processing_seconds_count") > 0);
            assertEquals(0, m.require("icbd_planner_dead_letters_total", "source", "processing"));
            java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/health"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
        }

        first.close();
        int whileDown = publish();
        report("lab-b", List.of(5), Optional.of(StepReport.applied(lastTask("lab-b").taskId(), 5, 1000, 10)));

        // Same application id, same state directory.
        start(config);
        // The version was published before lab-b reported holding 5: a first task may plan from
        // what the planner knew then; the one that counts plans from the report.
        ReplicationTask afterRestart = awaitTask(t -> t.replicaId().equals("lab-b") && t.target() == whileDown
                && t.expectHave().equals(List.of(5)));
        assertEquals(List.of(whileDown), afterRestart.steps().stream().map(s -> s.version()).toList());
        awaitTask(t -> t.replicaId().equals("lab-a") && t.target() == whileDown);
        awaitStatus("lab-b", s -> s.state() == ReplicationState.BEHIND && s.have().equals(List.of(5)));
        planners.get(planners.size() - 1).close();

        // Same application id, empty state directory: the stores come back from their changelogs.
        start(config.withStateDir(stateDirs.resolve("second")));
        int afterFresh = publish();
        ReplicationTask fresh = awaitTask(t -> t.replicaId().equals("lab-b") && t.target() == afterFresh);
        assertEquals(List.of(5), fresh.expectHave(), "the replica's state survived in the changelog");
        awaitTask(t -> t.replicaId().equals("lab-a") && t.target() == afterFresh);

        // Let a few commit intervals pass, then check the whole task topic.
        await().pollDelay(Duration.ofMillis(500)).atMost(WAIT).until(() -> {
            drain();
            return true;
        });
        Set<String> ids = new HashSet<>();
        Set<List<Object>> contents = new HashSet<>();
        for (ReplicationTask t : tasks) {
            assertTrue(ids.add(t.taskId()), () -> "task id " + t.taskId() + " issued twice: " + tasks);
            assertTrue(contents.add(List.of(t.replicaId(), t.expectHave(), t.steps())),
                    () -> "task " + t.taskId() + " repeats an earlier one: " + tasks);
        }
        // Per replica, n counts up from 1 without a gap: nothing lost, nothing issued twice.
        for (String replica : List.of("lab-a", "lab-b")) {
            List<String> theirs = tasks.stream().filter(t -> t.replicaId().equals(replica))
                    .map(ReplicationTask::taskId).toList();
            List<String> expected = new ArrayList<>();
            for (int n = 1; n <= theirs.size(); n++) {
                expected.add(replica + "/" + IMAGE + "/" + n);
            }
            assertEquals(expected, theirs);
        }
        LOG.info("{} tasks over three planner instances: {}", tasks.size(),
                tasks.stream().map(ReplicationTask::taskId).toList());
    }

    private PlannerApplication start(PlannerConfig config) throws InterruptedException {
        long started = System.nanoTime();
        PlannerApplication planner = PlannerApplication.start(config);
        planners.add(planner);
        assertTrue(planner.awaitRunning(WAIT), "the planner should reach RUNNING");
        LOG.info("Planner {} with state dir {} running after {} ms", config.applicationId(), config.stateDir(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(KafkaStreams.State.RUNNING, planner.state());
        return planner;
    }

    private int publish() throws Exception {
        int version = ++published;
        Optional<Integer> parent = version > 1 ? Optional.of(version - 1) : Optional.empty();
        send(Topics.IMAGE_VERSIONS, IMAGE, ImageVersionPublished.of(IMAGE, version, uuid(version), parent,
                parent.map(PlannerIT::uuid), 1L << 30, Instant.now(), "master"));
        return version;
    }

    private void register(String replica, int keep) throws Exception {
        send(Topics.REPLICAS, replica, ReplicaRegistered.of(replica, "lab", List.of(new Subscription(IMAGE, keep)),
                "icbd", "SHA256:it", "it", Instant.now()));
    }

    private void report(String replica, List<Integer> held, Optional<StepReport> lastStep) throws Exception {
        send(Topics.REPLICA_STATE, new PairKey(replica, IMAGE).toString(), ReplicaImageState.of(replica, IMAGE,
                held.stream().map(v -> new HeldVersion(v, uuid(v))).toList(), lastStep, Optional.empty(),
                Instant.now()));
    }

    private <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), key,
                topic.valueSerde().serializer().serialize(topic.name(), value))).get();
    }

    private ReplicationTask awaitTask(Predicate<ReplicationTask> wanted) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> {
            drain();
            return tasks.stream().filter(wanted).findFirst();
        }, Optional::isPresent).orElseThrow();
    }

    private void awaitStatus(String replica, Predicate<ReplicationStatus> wanted) {
        String key = new PairKey(replica, IMAGE).toString();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> {
            drain();
            return statuses.containsKey(key) && wanted.test(statuses.get(key));
        });
    }

    private ReplicationTask lastTask(String replica) {
        List<ReplicationTask> theirs = tasks.stream().filter(t -> t.replicaId().equals(replica)).toList();
        return theirs.get(theirs.size() - 1);
    }

    private void drain() {
        taskReader.poll(Duration.ofMillis(10), r -> {
            ReplicationTask task = readable(r).value();
            tasks.add(task);
            taskSeenAtNanos.putIfAbsent(task, System.nanoTime());
        });
        statusReader.poll(Duration.ofMillis(10), r -> {
            TopicRecord.Read<String, ReplicationStatus> read = readable(r);
            if (read.isTombstone()) {
                statuses.remove(read.key());
            } else {
                statuses.put(read.key(), read.value());
            }
        });
    }

    private static <V> TopicRecord.Read<String, V> readable(TopicRecord<String, V> record) {
        if (record instanceof TopicRecord.Unreadable<String, V> bad) {
            throw new AssertionError("the planner wrote an unreadable record " + bad.where(), bad.error());
        }
        return (TopicRecord.Read<String, V>) record;
    }

    private static String uuid(int version) {
        return UUID.nameUUIDFromBytes((IMAGE + "@" + version).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
