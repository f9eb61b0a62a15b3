package org.icbd.rcs.localkafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.icbd.rcs.topic.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker, KRaft combined broker and controller, running in this
 * JVM on 127.0.0.1. Meant for the demo and the tests; production services point at a real
 * cluster instead.
 *
 * <p>Every replication factor and min ISR is 1 (the offsets and transaction state topics too, so
 * that exactly-once works), consumer groups rebalance without delay, segments roll every
 * {@link #DEFAULT_SEGMENT_ROLL} so that compacted topics are compacted within about that time,
 * and topics are not created automatically: create them with {@link #ensureTopics}.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.builder().start()) {
 *     kafka.ensureTopics(Topics.ALL, LocalKafka.DEFAULT_PARTITIONS);
 *     ... kafka.bootstrapServers() ...
 * }
 * }</pre>
 *
 * <p>Close every client of the broker before the broker itself: a consumer whose broker is gone
 * hangs in {@code close()} for 30 s. {@link #close()} is idempotent and deletes the data
 * directory when it was a temporary one.
 */
public final class LocalKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);

    /** The loopback address the broker binds and advertises. */
    public static final String HOST = "127.0.0.1";
    /** The broker's node id, also its id as the single controller voter. */
    public static final int NODE_ID = 1;
    /** Partitions per topic the embedded setups create: more than one, so key routing is exercised. */
    public static final int DEFAULT_PARTITIONS = 3;
    /** How long {@link Builder#start()} waits for the broker to be ready. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /**
     * How often segments roll. The cleaner compacts only closed segments, so this bounds how long
     * superseded values of a compacted topic survive (plus the cleaner's one-second back-off).
     */
    public static final Duration DEFAULT_SEGMENT_ROLL = Duration.ofMinutes(1);

    /** Attempts with freshly picked ephemeral ports when another process takes one first. */
    static final int BIND_ATTEMPTS = 3;

    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";

    private final KafkaRaftServer server;
    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final boolean temporaryDataDir;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalKafka(KafkaRaftServer server, int port, int controllerPort, Path dataDir, boolean temporaryDataDir,
                       Duration startupTime) {
        this.server = server;
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.temporaryDataDir = temporaryDataDir;
        this.startupTime = startupTime;
    }

    /** A builder for a broker on ephemeral ports with a temporary data directory. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a broker on ephemeral ports with a temporary data directory. */
    public static LocalKafka start() {
        return builder().start();
    }

    /** The address clients connect to: {@code 127.0.0.1:PORT}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** The client (PLAINTEXT) listener's port. */
    public int port() {
        return port;
    }

    /** The controller listener's port; clients never use it. */
    public int controllerPort() {
        return controllerPort;
    }

    /** The broker's log and metadata directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** True iff the data directory was created by this broker and is deleted on {@link #close()}. */
    public boolean temporaryDataDir() {
        return temporaryDataDir;
    }

    /** From the start of formatting to the broker answering {@code describeCluster}. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The client settings needed to reach this broker ({@code bootstrap.servers}); add your own. */
    public Map<String, Object> clientConfig() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /**
     * Creates the topics that do not exist yet, with replication factor 1; see {@link TopicAdmin}.
     *
     * @return what was created, what already existed, and where existing topics differ
     */
    public TopicAdmin.Result ensureTopics(Collection<? extends Topic<?, ?>> topics, int partitions) {
        try (Admin admin = Admin.create(clientConfig())) {
            return TopicAdmin.ensureTopics(admin, topics, partitions, (short) 1);
        }
    }

    /** Stops the broker and waits for it; deletes a temporary data directory. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (temporaryDataDir) {
                deleteRecursively(dataDir);
            }
        }
        LOG.info("Kafka broker on {} stopped in {} ms", bootstrapServers(), millisSince(t0));
    }

    @Override
    public String toString() {
        return "LocalKafka[" + bootstrapServers() + ", " + dataDir + "]";
    }

    /**
     * Settings for a {@link LocalKafka}. Unset ports are picked free at start; an unset data
     * directory is a temporary one, deleted on close. A given directory is formatted on first use
     * and reused as it is afterwards, so its topics and records survive restarts.
     */
    public static final class Builder {

        private int port;
        private int controllerPort;
        private Path dataDir;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Duration segmentRoll = DEFAULT_SEGMENT_ROLL;

        private Builder() {
        }

        /** The client port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /** The controller port; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /** A directory to keep the broker's data in across restarts; null (the default) for a temporary one. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** How long to wait for the broker to answer; default {@link #DEFAULT_STARTUP_TIMEOUT}. */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = positive(startupTimeout, "startupTimeout");
            return this;
        }

        /** How often segments roll (see {@link #DEFAULT_SEGMENT_ROLL}); tests of compaction shorten it. */
        public Builder segmentRoll(Duration segmentRoll) {
            this.segmentRoll = positive(segmentRoll, "segmentRoll");
            return this;
        }

        /**
         * Formats the storage if needed, starts the broker and waits until it answers.
         *
         * @throws LocalKafkaException if it does not start; the message says on which ports and directory
         */
        public LocalKafka start() {
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException("port and controllerPort must differ, both are " + port);
            }
            // A bind failure is retried only when no port was given: with a given port, that one
            // is the likely culprit, and new ports for the others would not help.
            int attempts = port == 0 && controllerPort == 0 ? BIND_ATTEMPTS : 1;
            for (int attempt = 1; ; attempt++) {
                int p = port != 0 ? port : freePort(controllerPort);
                int cp = controllerPort != 0 ? controllerPort : freePort(p);
                try {
                    return startOnce(p, cp);
                } catch (LocalKafkaException e) {
                    if (attempt < attempts && isBindFailure(e)) {
                        LOG.warn("Kafka broker could not bind 127.0.0.1:{}/{} (attempt {} of {}), retrying on "
                                + "other ports", p, cp, attempt, attempts);
                        continue;
                    }
                    throw e;
                }
            }
        }

        private LocalKafka startOnce(int p, int cp) {
            long t0 = System.nanoTime();
            boolean temporary = dataDir == null;
            Path dir;
            try {
                dir = temporary ? Files.createTempDirectory("local-kafka-") : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new LocalKafkaException("cannot create the Kafka data directory "
                        + (temporary ? "under " + System.getProperty("java.io.tmpdir") : dataDir) + ": " + e, e);
            }
            KafkaRaftServer server = null;
            try {
                formatIfNeeded(dir);
                server = new KafkaRaftServer(new KafkaConfig(brokerProperties(p, cp, dir), false), Time.SYSTEM);
                server.startup();
                awaitReady(p, startupTimeout);
                Duration took = Duration.ofMillis(millisSince(t0));
                LOG.info("Kafka broker ready on {}:{} in {} ms (data {})", HOST, p, took.toMillis(), dir);
                return new LocalKafka(server, p, cp, dir, temporary, took);
            } catch (RuntimeException | Error e) {
                stopQuietly(server);
                if (temporary) {
                    deleteRecursively(dir);
                }
                if (e instanceof LocalKafkaException lke) {
                    throw lke;
                }
                String where = "Kafka broker did not start on " + HOST + ":" + p + " (controller " + cp + ", data "
                        + dir + "): ";
                Throwable bind = bindFailure(e);
                if (bind != null) {
                    throw new LocalKafkaException(where + bind.getMessage() + " Another process holds the port: "
                            + "choose another one, or none to have a free one picked", e);
                }
                throw new LocalKafkaException(where + e + (rootCause(e) == e ? "" : ", caused by " + rootCause(e))
                        + "; check that the directory is writable and used by no other broker", e);
            }
        }

        /**
         * The broker's configuration. Everything that would need three brokers is set to one, and
         * everything that delays a lone developer (rebalance delay, 128 MiB cleaner buffer, week-long
         * segments) is shortened.
         */
        private Properties brokerProperties(int p, int cp, Path dir) {
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", String.valueOf(NODE_ID));
            props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + cp);
            props.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + p + "," + CONTROLLER_LISTENER + "://" + HOST
                    + ":" + cp);
            props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + p);
            props.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER
                    + ":PLAINTEXT");
            props.put("inter.broker.listener.name", BROKER_LISTENER);
            props.put("controller.listener.names", CONTROLLER_LISTENER);
            props.put("log.dirs", dir.toString());
            props.put("server.max.startup.time.ms", String.valueOf(startupTimeout.toMillis()));

            // One node: every replication factor and ISR is 1. The transaction state topic matters:
            // exactly-once (the planner) cannot initialise transactions otherwise.
            props.put("default.replication.factor", "1");
            props.put("min.insync.replicas", "1");
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "1");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "1");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("share.coordinator.state.topic.num.partitions", "1");

            // As in production: topics exist because someone created them, not because a client
            // misspelt a name.
            props.put("auto.create.topics.enable", "false");
            props.put("num.partitions", String.valueOf(DEFAULT_PARTITIONS));
            props.put("group.initial.rebalance.delay.ms", "0");

            // Compaction: a small dedupe buffer (the default takes 128 MiB of heap), closed segments
            // within segmentRoll, and the cleaner looking again every second.
            props.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
            props.put("log.roll.ms", String.valueOf(segmentRoll.toMillis()));
            props.put("log.cleaner.backoff.ms", "1000");
            props.put("log.cleaner.min.cleanable.ratio", "0.1");
            props.put("log.segment.delete.delay.ms", "1000");
            return props;
        }
    }

    /** Formats a directory that holds no broker yet; one that does is reused as it is. */
    private static void formatIfNeeded(Path dir) {
        if (Files.exists(dir.resolve("meta.properties"))) {
            LOG.info("Kafka data directory {} is already formatted, reusing it", dir);
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(print)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(dir.toString()))
                    .setMetadataLogDirectory(dir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new LocalKafkaException("cannot format the Kafka data directory " + dir + ": " + e, e);
        }
        LOG.debug("Formatted {}: {}", dir, out.toString(StandardCharsets.UTF_8).strip());
    }

    /** Waits until the broker lists itself in {@code describeCluster}. */
    private static void awaitReady(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + port,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        try (Admin admin = Admin.create(config)) {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new LocalKafkaException("Kafka broker on " + HOST + ":" + port + " did not list itself in "
                            + "describeCluster within " + timeout.toMillis() + " ms");
                }
                // The admin client retries internally until its timeout, so this loop only repeats
                // when the broker answers without itself, which happens at most briefly.
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions()
                                .timeoutMs((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))))
                        .nodes().get(left, TimeUnit.NANOSECONDS);
                if (nodes.stream().anyMatch(n -> n.id() == NODE_ID)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new LocalKafkaException("Kafka broker on " + HOST + ":" + port + " did not answer describeCluster "
                    + "within " + timeout.toMillis() + " ms: " + cause, cause);
        }
    }

    private static void stopQuietly(KafkaRaftServer server) {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Stopping a Kafka broker that failed to start failed too: {}", e.toString());
        }
    }

    /** A port free on 127.0.0.1 right now; another process may still take it before Kafka binds. */
    static int freePort(int... avoid) {
        for (int i = 0; i < 10; i++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
                int p = socket.getLocalPort();
                if (Arrays.stream(avoid).noneMatch(a -> a == p)) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + HOST, e);
            }
        }
        throw new LocalKafkaException("cannot find a free port on " + HOST + " distinct from " + Arrays.toString(avoid));
    }

    static boolean isBindFailure(Throwable e) {
        return bindFailure(e) != null;
    }

    /**
     * The exception that wraps a {@link BindException} in {@code e}'s cause chain (Kafka's, which
     * names the address), or the BindException itself if nothing wraps it; null if there is none.
     */
    private static Throwable bindFailure(Throwable e) {
        Throwable wrapper = null;
        for (Throwable t = e; t != null && t != wrapper; t = t.getCause()) {
            if (t instanceof BindException) {
                return wrapper != null && wrapper.getMessage() != null ? wrapper : t;
            }
            wrapper = t;
        }
        return null;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete the temporary Kafka data directory {}: {}", dir, e.toString());
        }
    }

    private static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
        return d;
    }

    private static int checkPort(int port, String name) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0 (pick a free one) or 1-65535, got " + port);
        }
        return port;
    }
}
