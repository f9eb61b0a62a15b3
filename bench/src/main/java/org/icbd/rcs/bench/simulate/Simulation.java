package org.icbd.rcs.bench.simulate;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.icbd.rcs.bench.ProcessSampler;
import org.icbd.rcs.bench.process.ChildJvm;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.Subscription;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.topic.PairKey;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of simulated replicas following published versions through the real planner (child
 * JVMs running {@code icbd planner}) on a real broker. A simulated replica has no pool: it
 * registers and heartbeats as a replica service does (the same records at the same interval),
 * reports an empty state per subscribed image at start, and answers each task addressed to it,
 * after a delay drawn per step, with the {@link ReplicaImageState} the task would leave on disk:
 * its {@code expectHave} plus the steps, pruned to its {@code keep}, the last step APPLIED. A task
 * whose {@code expectHave} is not what it holds is answered with its holdings unchanged, as a real
 * replica reports its disk for the planner to replan.
 *
 * <p>It checks on the way what the failover proof needs: every task id is new, every step it
 * applies is newer than everything the pair holds (a step applied twice would not be), every
 * delta's parent is held; and it counts OFFLINE statuses, all of them false since no simulated
 * replica ever stops heartbeating.
 */
public final class Simulation implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Simulation.class);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long TICK_MILLIS = 100;
    private static final String MASTER = "simulated-master";
    private static final String APPLICATION_ID = "icbd-planner";

    /** Something done to the running deployment right after a round of versions is published. */
    @FunctionalInterface
    public interface Disruption {
        void afterPublishing(int version, Simulation simulation);
    }

    private final SimulationSettings settings;
    private final PrintWriter out;
    private final Path logs;
    private final Random random;
    private ChildJvm kafka;
    private String bootstrap;
    private final List<ChildJvm> planners = new ArrayList<>();
    private KafkaProducer<String, byte[]> producer;
    private KafkaClientSettings kafkaSettings;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(3, r -> {
        Thread t = new Thread(r, "simulate-timer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> readers = new ArrayList<>();

    private final List<SimReplica> replicas = new ArrayList<>();
    private final Map<String, SimReplica> byId = new HashMap<>();
    private final Map<String, ReplicationStatus> statuses = new ConcurrentHashMap<>();
    private final Set<String> taskIds = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Long> taskLatencies = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Instant> publishedAt = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> lastAckAt = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> lastTaskAt = new ConcurrentHashMap<>();
    private final AtomicLong tasks = new AtomicLong();
    private final AtomicLong duplicateTaskIds = new AtomicLong();
    private final AtomicLong stepsOutOfOrder = new AtomicLong();
    private final AtomicLong missingParents = new AtomicLong();
    private final AtomicLong staleTasks = new AtomicLong();
    private final AtomicLong falseOffline = new AtomicLong();

    /** One simulated replica: what it holds of each of its images. */
    private static final class SimReplica {
        final String id;
        final String site;
        final List<Subscription> subscriptions;
        final Map<String, TreeMap<Integer, String>> held = new HashMap<>();
        volatile ReplicaRegistered registration;

        SimReplica(String id, String site, List<Subscription> subscriptions) {
            this.id = id;
            this.site = site;
            this.subscriptions = subscriptions;
            subscriptions.forEach(s -> held.put(s.image(), new TreeMap<>()));
        }
    }

    public Simulation(SimulationSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
        this.logs = settings.workDir().resolve("logs");
        this.random = new Random(settings.seed());
        for (int i = 0; i < settings.replicas(); i++) {
            List<Subscription> subs = new ArrayList<>();
            for (int k = 0; k < settings.imagesPerReplica(); k++) {
                subs.add(new Subscription(image((i + k) % settings.images()), 3));
            }
            SimReplica r = new SimReplica("sim-" + i, "site-" + (i % settings.sites()), List.copyOf(subs));
            replicas.add(r);
            byId.put(r.id, r);
        }
    }

    static String image(int n) {
        return "img-" + n;
    }

    /** The planner child JVMs, in start order (a killed one stays listed). */
    public List<ChildJvm> planners() {
        return List.copyOf(planners);
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** Runs the whole simulation: start, register, idle window, the rounds of versions. */
    public SimulationResult run(Disruption disruption) throws InterruptedException {
        try {
            Files.createDirectories(logs);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + logs + ": " + e.getMessage(), e);
        }
        bootstrap = settings.bootstrap().orElseGet(this::startKafka);
        kafkaSettings = KafkaClientSettings.of(bootstrap);
        for (int i = 0; i < settings.planners(); i++) {
            startPlanner(i);
        }
        producer = new KafkaProducer<>(kafkaSettings.producerConfig("icbd-simulate",
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024)),
                new StringSerializer(), new ByteArraySerializer());
        String group = "icbd-simulate-" + UUID.randomUUID();
        readers.add(reader("simulate-tasks", Topics.REPLICATION_TASKS, group + "-tasks", this::onTask));
        readers.add(reader("simulate-statuses", Topics.REPLICATION_STATUS, group + "-statuses", this::onStatus));

        Instant t0 = Instant.now();
        for (SimReplica r : replicas) {
            r.registration = ReplicaRegistered.of(r.id, r.site, r.subscriptions, "icbd", "SHA256:simulated",
                    "simulate", Instant.now());
            send(Topics.REPLICAS, r.id, r.registration);
            for (Subscription s : r.subscriptions) {
                send(Topics.REPLICA_STATE, new PairKey(r.id, s.image()).toString(),
                        ReplicaImageState.of(r.id, s.image(), List.of(), Optional.empty(), Optional.empty(),
                                Instant.now()));
            }
        }
        producer.flush();
        timers.scheduleAtFixedRate(new Heartbeats(), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        boolean known = await(() -> statuses.size() >= settings.pairs(), settings.roundTimeout());
        Duration registration = Duration.between(t0, Instant.now());
        out.printf("simulate: %d replicas, %d pairs registered; every pair has a status after %d ms%s%n",
                settings.replicas(), settings.pairs(), registration.toMillis(), known ? "" : " (timed out)");
        out.flush();

        // Heartbeats only: the planners' idle cost.
        Map<Long, long[]> cpu0 = cpuOfPlanners();
        long consumed0 = plannerConsumed();
        Instant idle0 = Instant.now();
        Thread.sleep(settings.idleWindow().toMillis());
        double idleSeconds = Duration.between(idle0, Instant.now()).toMillis() / 1000.0;
        double idleCpu = cpuSince(cpu0) / idleSeconds;
        double idleRecords = (plannerConsumed() - consumed0) / idleSeconds;
        out.printf("simulate: heartbeats only: planners' CPU %.0f%% of a core, %.0f records/s consumed%n",
                idleCpu * 100, idleRecords);
        out.flush();

        long consumed1 = plannerConsumed();
        Map<Long, long[]> cpuRounds = cpuOfPlanners();
        Instant rounds0 = Instant.now();
        List<Long> ackToInSync = new ArrayList<>();
        boolean converged = known;
        for (int v = 1; v <= settings.versions() && converged; v++) {
            int version = v;
            lastAckAt.put(version, new AtomicLong());
            lastTaskAt.put(version, new AtomicLong());
            publishedAt.put(version, Instant.now());
            for (int i = 0; i < settings.images(); i++) {
                String image = image(i);
                send(Topics.IMAGE_VERSIONS, image, ImageVersionPublished.of(image, version, uuid(image, version),
                        version == 1 ? Optional.empty() : Optional.of(version - 1),
                        version == 1 ? Optional.empty() : Optional.of(uuid(image, version - 1)), 1L << 30,
                        Instant.now(), MASTER));
            }
            producer.flush();
            if (disruption != null) {
                disruption.afterPublishing(version, this);
            }
            converged = await(() -> inSyncAt(version), settings.roundTimeout());
            long done = System.currentTimeMillis();
            long lastTask = lastTaskAt.get(version).get();
            long lastAck = lastAckAt.get(version).get();
            String taskPart = lastTask == 0 ? "no task"
                    : "last task " + (lastTask - publishedAt.get(version).toEpochMilli()) + " ms after publishing";
            String ackPart = "no acknowledgement";
            if (lastAck != 0) {
                ackToInSync.add(done - lastAck);
                ackPart = "every pair IN_SYNC " + (done - lastAck) + " ms after the last acknowledgement";
            }
            out.printf("simulate: version %d: %s, %s%s%n", version, taskPart, ackPart,
                    converged ? "" : " (timed out: not converged)");
            out.flush();
        }
        double roundSeconds = Duration.between(rounds0, Instant.now()).toMillis() / 1000.0;
        double recordsPerSecond = (plannerConsumed() - consumed1) / roundSeconds;
        double roundCpu = cpuSince(cpuRounds);
        long peakRss = 0;
        for (ChildJvm p : planners) {
            if (p.isAlive()) {
                peakRss = Math.max(peakRss, ProcessSampler.status(p.pid(), "VmHWM:").orElse(0));
            }
        }
        List<Long> latencies = new ArrayList<>(taskLatencies);
        latencies.sort(Long::compare);
        return new SimulationResult(settings.replicas(), settings.images(), tasks.get(), percentile(latencies, 50),
                percentile(latencies, 99), ackToInSync.stream().mapToLong(Long::longValue).max().orElse(0),
                recordsPerSecond, roundCpu, idleCpu, peakRss, falseOffline.get(), duplicateTaskIds.get(),
                stepsOutOfOrder.get(), missingParents.get(), staleTasks.get(), converged);
    }

    private boolean inSyncAt(int version) {
        if (statuses.size() < settings.pairs()) {
            return false;
        }
        for (ReplicationStatus s : statuses.values()) {
            if (s.state() != ReplicationState.IN_SYNC || !s.latest().equals(Optional.of(version))
                    || !s.have().contains(version)) {
                return false;
            }
        }
        return true;
    }

    private void onTask(ConsumerRecord<String, byte[]> record) {
        ReplicationTask task = Topics.REPLICATION_TASKS.valueSerde().deserializer()
                .deserialize(record.topic(), record.value());
        long now = System.currentTimeMillis();
        tasks.incrementAndGet();
        if (!taskIds.add(task.taskId())) {
            duplicateTaskIds.incrementAndGet();
            LOG.warn("task id {} seen twice", task.taskId());
        }
        int target = task.steps().get(task.steps().size() - 1).version();
        Instant published = publishedAt.get(target);
        if (published != null) {
            taskLatencies.add(now - published.toEpochMilli());
            lastTaskAt.get(target).accumulateAndGet(now, Math::max);
        }
        long delay = 0;
        synchronized (random) {
            for (int i = 0; i < task.steps().size(); i++) {
                long min = settings.stepDelayMin().toMillis();
                delay += min + (long) (random.nextDouble() * (settings.stepDelayMax().toMillis() - min));
            }
        }
        long millis = delay;
        timers.schedule(() -> apply(task, millis), delay, TimeUnit.MILLISECONDS);
    }

    /** What a replica does with the task: check the disk, apply the steps in order, report. */
    private void apply(ReplicationTask task, long millis) {
        SimReplica r = byId.get(task.replicaId());
        if (r == null || !running.get()) {
            return;
        }
        ReplicaImageState state;
        synchronized (r) {
            TreeMap<Integer, String> held = r.held.get(task.image());
            if (held == null) {
                return;
            }
            if (!List.copyOf(held.keySet()).equals(task.expectHave())) {
                staleTasks.incrementAndGet();
                state = ReplicaImageState.of(r.id, task.image(), holdings(held), Optional.empty(), Optional.empty(),
                        Instant.now());
            } else {
                for (TransferStep step : task.steps()) {
                    if (!held.isEmpty() && step.version() <= held.lastKey()) {
                        stepsOutOfOrder.incrementAndGet();
                        LOG.warn("task {} step {} is not newer than {} already held", task.taskId(), step.version(),
                                held.lastKey());
                        continue;
                    }
                    if (step.parentVersion().isPresent() && !held.containsKey(step.parentVersion().get())) {
                        missingParents.incrementAndGet();
                    }
                    held.put(step.version(), step.uuid());
                }
                while (held.size() > 3) {
                    held.pollFirstEntry();
                }
                int last = task.steps().get(task.steps().size() - 1).version();
                state = ReplicaImageState.of(r.id, task.image(), holdings(held),
                        Optional.of(StepReport.applied(task.taskId(), last, 1L << 20, millis)), Optional.empty(),
                        Instant.now());
                AtomicLong ack = lastAckAt.get(last);
                if (ack != null) {
                    ack.accumulateAndGet(System.currentTimeMillis(), Math::max);
                }
            }
        }
        send(Topics.REPLICA_STATE, new PairKey(r.id, task.image()).toString(), state);
    }

    private static List<HeldVersion> holdings(TreeMap<Integer, String> held) {
        return held.entrySet().stream().map(e -> new HeldVersion(e.getKey(), e.getValue())).toList();
    }

    private void onStatus(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            statuses.remove(record.key());
            return;
        }
        ReplicationStatus status = Topics.REPLICATION_STATUS.valueSerde().deserializer()
                .deserialize(record.topic(), record.value());
        ReplicationStatus before = statuses.put(record.key(), status);
        if (status.state() == ReplicationState.OFFLINE
                && (before == null || before.state() != ReplicationState.OFFLINE)) {
            falseOffline.incrementAndGet();
        }
    }

    /** Every replica heartbeats once per interval, spread evenly over it, from one tick timer. */
    private final class Heartbeats implements Runnable {
        private long tick;

        @Override
        public void run() {
            try {
                long slots = Math.max(1, settings.heartbeatInterval().toMillis() / TICK_MILLIS);
                long slot = tick++ % slots;
                Instant now = Instant.now();
                for (int i = (int) slot; i < replicas.size(); i += (int) slots) {
                    SimReplica r = replicas.get(i);
                    r.registration = r.registration.heartbeat(now);
                    send(Topics.REPLICAS, r.id, r.registration);
                }
            } catch (RuntimeException e) {
                LOG.warn("heartbeat tick failed: {}", e.toString());
            }
        }
    }

    private <V> void send(Topic<String, V> topic, String key, V value) {
        producer.send(new ProducerRecord<>(topic.name(), key, topic.valueSerde().serializer()
                .serialize(topic.name(), value)), (meta, e) -> {
                    if (e != null) {
                        LOG.warn("producing to {} failed: {}", topic.name(), e.toString());
                    }
                });
    }

    private Thread reader(String name, Topic<String, ?> topic, String group,
                          java.util.function.Consumer<ConsumerRecord<String, byte[]>> handler) {
        Map<String, Object> config = kafkaSettings.consumerConfig(name, group,
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000));
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic.name()));
        Thread t = new Thread(() -> {
            try (consumer) {
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                        try {
                            handler.accept(r);
                        } catch (RuntimeException e) {
                            LOG.warn("{}: unreadable record at {}-{}@{}: {}", name, r.topic(), r.partition(), r.offset(),
                                    e.toString());
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // closing
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The sum of the planner group's committed offsets: what the planners consumed so far. */
    private long plannerConsumed() {
        try (Admin admin = Admin.create(kafkaSettings.adminConfig("icbd-simulate-admin", Map.of()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APPLICATION_ID)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
        } catch (Exception e) {
            LOG.warn("cannot read the planner group's offsets: {}", e.toString());
            return 0;
        }
    }

    private Map<Long, long[]> cpuOfPlanners() {
        Map<Long, long[]> cpu = new HashMap<>();
        for (ChildJvm p : planners) {
            ProcessSampler.cpuTicks(p.pid()).ifPresent(t -> cpu.put(p.pid(), t));
        }
        return cpu;
    }

    /** CPU seconds the planners used since {@code start}. */
    private static double cpuSince(Map<Long, long[]> start) {
        double seconds = 0;
        for (Map.Entry<Long, long[]> e : start.entrySet()) {
            Optional<long[]> now = ProcessSampler.cpuTicks(e.getKey());
            if (now.isPresent()) {
                seconds += (now.get()[0] - e.getValue()[0]) / ProcessSampler.TICKS_PER_SECOND;
            }
        }
        return seconds;
    }

    private boolean await(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(POLL.toMillis());
        }
        return condition.getAsBoolean();
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** A uuid per (image, version), the same in every run. */
    static String uuid(String image, int version) {
        return UUID.nameUUIDFromBytes((image + "@" + version).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
    }

    private String startKafka() {
        kafka = ChildJvm.services("kafka", List.of("local-kafka", "--port", "0",
                        "--data-dir", settings.workDir().resolve("kafka").toString(), "--partitions", "3"))
                .jvmOptions(List.of("-Xmx1g", "-XX:+UseSerialGC"))
                .logFile(logs.resolve("kafka.log"))
                .readyFile(logs.resolve("kafka.ready"))
                .start();
        return kafka.awaitReady(READY_TIMEOUT).get("bootstrap");
    }

    private void startPlanner(int n) {
        ChildJvm planner = ChildJvm.services("planner-" + n, List.of("planner", "--bootstrap", bootstrap,
                        "--state-dir", settings.workDir().resolve("planner-state-" + n).toString(),
                        "--offline-after", settings.offlineAfter().toSeconds() + "s"))
                .jvmOptions(List.of("-Xmx" + settings.plannerHeap(), "-XX:+UseSerialGC"))
                .jvmOptions(settings.plannerJvmOptions())
                .logFile(logs.resolve("planner-" + n + ".log"))
                .readyFile(logs.resolve("planner-" + n + ".ready"))
                .start();
        planners.add(planner);
        planner.awaitReady(READY_TIMEOUT);
    }

    /** Stops the replicas' traffic, the planners and the local broker (if this started it). */
    @Override
    public void close() {
        running.set(false);
        timers.shutdownNow();
        for (Thread t : readers) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        for (ChildJvm p : planners) {
            if (p.isAlive()) {
                p.stop();
            }
        }
        if (kafka != null) {
            kafka.stop();
        }
    }
}
