package org.icbd.rcs.planner.app;

import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.icbd.rcs.planner.topology.PlannerTopology;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planner as a running Kafka Streams application: {@link #start} checks the cluster, builds
 * the {@link PlannerTopology} and starts it; {@link #close} stops it cleanly. It holds no static
 * state, so one JVM may run several (tests do), each with its own application id or state dir.
 *
 * <p>A stream thread that dies of an unexpected exception is replaced (REPLACE_THREAD): with
 * exactly-once, its uncommitted work is aborted and redone by the new thread. A Streams instance that
 * fails for good (ERROR) is replaced by a new one after {@link #RESTART_PAUSE}: a broker outage
 * never ends the planner. The topic check at start waits for a broker that is down. Closing leaves the
 * consumer group at once, so that another instance takes the partitions over without waiting
 * for the session timeout.
 */
public final class PlannerApplication implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PlannerApplication.class);

    /** The Micronaut environment of the planner's context: selects {@code application-planner.yml}. */
    public static final String ENVIRONMENT = PlannerSettings.ENVIRONMENT;

    /** How long {@link #close()} waits for the stream threads to commit and stop. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** How long one attempt of the topic check at {@link #start} waits for the cluster; it tries again until it answers. */
    public static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(10);

    /** How long the planner waits, after its Streams instance failed for good (ERROR), before it starts a new one. */
    public static final Duration RESTART_PAUSE = Duration.ofSeconds(5);

    private final PlannerConfig config;
    private final Properties props;
    private final PlannerMeters meters;
    private final CountDownLatch running = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "icbd-planner-restart");
        t.setDaemon(true);
        return t;
    });
    /** The current Streams instance; replaced (under this object's lock) after it failed for good. */
    private volatile KafkaStreams streams;
    private volatile boolean closing;
    /** Instances started after one failed; only the restart thread touches it. */
    private int restarted;
    private PlannerHeartbeats heartbeats;

    private PlannerApplication(PlannerConfig config) {
        this.config = config;
        this.meters = new PlannerMeters();
        this.props = config.streamsProperties();
        // The exception handlers count their dead letters here (PlannerMeters.counts).
        props.put(PlannerMeters.COUNTS_CONFIG, meters);
        streams = newStreams();
        meters.watch(() -> streams);
    }

    /**
     * A Streams instance of a freshly built topology. A stream thread that dies is replaced; an
     * instance that fails for good (ERROR: after a long broker outage, say) is closed and, unless
     * the planner is closing, a new one starts after {@link #RESTART_PAUSE}, on the same state dir.
     */
    private KafkaStreams newStreams() {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        PlannerTopology.build(builder, config.topology(), meters);
        Topology topology = builder.build(props);
        LOG.debug("Planner topology:\n{}", topology.describe());
        KafkaStreams instance = new KafkaStreams(topology, props);
        instance.setUncaughtExceptionHandler(e -> {
            LOG.error("A stream thread of planner {} died; replacing it", config.applicationId(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        instance.setStateListener((next, previous) -> {
            LOG.info("Planner {} is {} (was {})", config.applicationId(), next, previous);
            if (next == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
            if (next == KafkaStreams.State.ERROR && !closing) {
                // Closing an instance from its own listener would wait for itself: another thread does it.
                try {
                    restarts.execute(() -> replace(instance));
                } catch (RejectedExecutionException closed) {
                    LOG.debug("planner {} closing: not restarted", config.applicationId());
                }
            }
        });
        return instance;
    }

    /** Closes {@code failed} and schedules its successor; only ever on the restart thread. */
    private void replace(KafkaStreams failed) {
        if (closing || streams != failed) {
            return;
        }
        failed.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(CLOSE_TIMEOUT));
        restarted++;
        LOG.warn("Planner {} failed for good (ERROR) with Kafka at {}; starting it again in {} s (restart {})",
                config.applicationId(), config.bootstrapServers(), RESTART_PAUSE.toSeconds(), restarted);
        try {
            restarts.schedule(() -> {
                synchronized (this) {
                    if (closing) {
                        return;
                    }
                    KafkaStreams next = newStreams();
                    streams = next;
                    meters.rewatch(next);
                    next.start();
                }
            }, RESTART_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            LOG.debug("planner {} closing: not restarted", config.applicationId());
        }
    }

    /**
     * The planner's checked settings: {@code application-planner.yml}, then the environment
     * ({@code ICBD_PLANNER_OFFLINE_AFTER}...) and system properties, then {@code properties}
     * (full names, e.g. {@code icbd.planner.stall-deadline}), which win. The context that binds
     * them is the planner's own environment and lives only as long as that.
     *
     * @throws InvalidPlannerSettingException naming the first bad setting
     */
    public static PlannerConfig config(Map<String, Object> properties) {
        try (ApplicationContext context = ApplicationContext.builder()
                .environments(ENVIRONMENT)
                .deduceEnvironment(false)
                .deduceCloudEnvironment(false)
                .banner(false)
                .properties(properties)
                .start()) {
            return context.getBean(PlannerSettings.class).checkConfig();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidPlannerSettingException invalid) {
                    throw invalid;
                }
            }
            throw e;
        }
    }

    /**
     * Checks that every topic of {@link Topics#ALL} exists and that the three inputs have the same
     * number of partitions (the topology co-partitions them by image), then starts the planner.
     * Returns once it is started, not necessarily RUNNING yet ({@link #awaitRunning}). A broker that
     * is down (or not yet up) is waited for, however long, with one WARN per attempt.
     *
     * @throws IllegalStateException when the state directory is not usable, or the cluster refuses
     *                               this client or its topics do not fit,
     *                               with a message saying what to do
     */
    public static PlannerApplication start(PlannerConfig config) {
        checkStateDir(config);
        checkTopics(config);
        PlannerApplication app = new PlannerApplication(config);
        LOG.info("Starting planner {} on {} (state dir {}, offline after {}, stall deadline {},"
                + " compression {} for replicas that state no preference)",
                config.applicationId(), config.bootstrapServers(), config.stateDir(), config.topology().offlineAfter(),
                config.topology().stallDeadline(), config.topology().compression());
        app.streams.start();
        app.heartbeats = new PlannerHeartbeats(config.kafka(), config.applicationId(),
                () -> app.streams.state() == KafkaStreams.State.RUNNING, PlannerHeartbeats.DEFAULT_INTERVAL,
                java.time.Clock.systemUTC());
        return app;
    }

    public PlannerConfig config() {
        return config;
    }

    /** This planner's meters, for its {@code /metrics} ({@link PlannerHttp}). */
    public PlannerMeters meters() {
        return meters;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** True iff the planner reached RUNNING (it has its partitions) within {@code timeout}. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Blocks until the planner is closed; an instance that fails for good is replaced, not the end. */
    public KafkaStreams.State awaitTermination() throws InterruptedException {
        terminated.await();
        return streams.state();
    }

    /** Commits, leaves the group and stops; safe to call more than once and from a shutdown hook. */
    @Override
    public void close() {
        LOG.info("Stopping planner {}", config.applicationId());
        closing = true;
        restarts.shutdownNow();
        if (heartbeats != null) {
            heartbeats.close();
        }
        KafkaStreams current;
        synchronized (this) {
            current = streams;
        }
        boolean clean = current.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(CLOSE_TIMEOUT));
        if (!clean) {
            LOG.warn("Planner {} did not stop within {}", config.applicationId(), CLOSE_TIMEOUT);
        }
        meters.close();
        terminated.countDown();
    }

    private static void checkStateDir(PlannerConfig config) {
        try {
            Files.createDirectories(config.stateDir());
        } catch (IOException | SecurityException e) {
            throw new IllegalStateException("state-dir " + config.stateDir() + " cannot be created: " + e, e);
        }
        if (!Files.isWritable(config.stateDir())) {
            throw new IllegalStateException("state-dir " + config.stateDir() + " is not writable by this user");
        }
    }

    /**
     * Describes every topic, waiting for a broker that is down or not yet up as long as it takes
     * (one WARN per attempt, naming the bootstrap servers); a cluster that answers but refuses
     * this client, or lacks a topic, fails the start at once.
     */
    private static void checkTopics(PlannerConfig config) {
        Map<String, TopicDescription> described = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            described.clear();
            missing.clear();
            try {
                describeTopics(config, described, missing);
                if (attempt > 1) {
                    LOG.info("Planner {}: Kafka at {} answered the topic check after {} attempts; starting",
                            config.applicationId(), config.bootstrapServers(), attempt);
                }
                break;
            } catch (IllegalStateException e) {
                if (!retriable(e)) {
                    throw e;
                }
                LOG.warn("Planner {}: waiting for Kafka at {} to answer the topic check (attempt {}): {}; retrying",
                        config.applicationId(), config.bootstrapServers(), attempt, e.getCause().toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the topic(s) " + String.join(", ", missing) + " do not exist on "
                    + config.bootstrapServers() + ": create every icbd topic before starting the planner, with "
                    + "'icbd topics ensure --bootstrap " + config.bootstrapServers() + "'");
        }
        List<Topic<String, ?>> inputs = List.of(Topics.IMAGE_VERSIONS, Topics.REPLICAS, Topics.REPLICA_STATE);
        Map<String, Integer> partitions = new HashMap<>();
        inputs.forEach(t -> partitions.put(t.name(), described.get(t.name()).partitions().size()));
        if (partitions.values().stream().distinct().count() > 1) {
            throw new IllegalStateException("the planner joins its inputs by image, so they need the same number of"
                    + " partitions, but they have " + partitions + "; give them the same count");
        }
    }

    private static void describeTopics(PlannerConfig config, Map<String, TopicDescription> described,
                                       List<String> missing) {
        Map<String, Object> adminConfig = config.kafka().adminConfig(config.applicationId() + "-topic-check", Map.of(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CLUSTER_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CLUSTER_TIMEOUT.toMillis()));
        try (Admin admin = Admin.create(adminConfig)) {
            for (Topic<String, ?> topic : Topics.ALL) {
                try {
                    described.put(topic.name(), admin.describeTopics(List.of(topic.name())).allTopicNames()
                            .get(CLUSTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic.name()));
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw unreachable(config, e.getCause());
                    }
                    missing.add(topic.name());
                }
            }
        } catch (TimeoutException e) {
            throw unreachable(config, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics on " + config.bootstrapServers(), e);
        }
    }

    /** A broker that is down or slow, as opposed to one that refuses this client. */
    private static boolean retriable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RetriableException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static IllegalStateException unreachable(PlannerConfig config, Throwable cause) {
        return new IllegalStateException("cannot check the topics on Kafka at " + config.bootstrapServers()
                + " within " + CLUSTER_TIMEOUT + " (" + cause + "); check bootstrap and the client settings", cause);
    }
}
