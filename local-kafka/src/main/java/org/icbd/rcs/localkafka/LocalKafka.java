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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
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
 * A real Apache Kafka cluster of KRaft nodes, each a combined broker and controller, running in
 * this JVM on 127.0.0.1. By default it is a single node; {@link Builder#brokers(int)} makes a
 * cluster of several (three for replication tests), whose nodes can be {@linkplain #stop(int)
 * stopped} and {@linkplain #restart(int) restarted}. Meant for the demo and the tests; production
 * services point at a real cluster instead.
 *
 * <p>Every replication factor is {@link #replicationFactor()} (the number of nodes, at most 3) and
 * every min ISR {@link #minInsyncReplicas()} (one less, at least 1), the offsets and transaction
 * state topics too, so that exactly-once works and a cluster of three survives the loss of a node.
 * Consumer groups rebalance without delay, segments roll every {@link #DEFAULT_SEGMENT_ROLL} so
 * that compacted topics are compacted within about that time, and topics are not created
 * automatically: create them with {@link #ensureTopics}.
 *
 * <pre>{@code
 * try (LocalKafka kafka = LocalKafka.builder().start()) {
 *     kafka.ensureTopics(Topics.ALL, LocalKafka.DEFAULT_PARTITIONS);
 *     ... kafka.bootstrapServers() ...
 * }
 * }</pre>
 *
 * <p>A cluster may also run one node per process ({@link Builder#node(int)}): each process starts
 * its own node of the same cluster, on the same given ports and data directory, and a node can
 * then be killed as a crash would (SIGKILL) and started again by a new process.
 *
 * <p>Close every client of the cluster before the cluster itself: a consumer whose broker is gone
 * hangs in {@code close()} for 30 s. {@link #close()} is idempotent and deletes the data
 * directory when it was a temporary one.
 */
public final class LocalKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);

    /** The loopback address the nodes bind and advertise, unless {@link Builder#host} names another for the clients. */
    public static final String HOST = "127.0.0.1";
    /** The first node's id; node {@code i} of a cluster (1-based) has id {@code NODE_ID + i - 1}. */
    public static final int NODE_ID = 1;
    /** The largest cluster {@link Builder#brokers(int)} accepts; every node is also a controller voter. */
    public static final int MAX_BROKERS = 9;
    /** Partitions per topic the embedded setups create: more than one, so key routing is exercised. */
    public static final int DEFAULT_PARTITIONS = 3;
    /** How long {@link Builder#start()} waits for the cluster to be ready. */
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
    /** The optional client listener with TLS ({@link Builder#tls}); brokers talk among themselves in PLAINTEXT. */
    private static final String TLS_LISTENER = "SSL";
    private static final String META_PROPERTIES = "meta.properties";

    private final List<KafkaNode> nodes;
    /** The one node this process runs ({@link Builder#node}); empty: it runs them all. */
    private final Optional<Integer> only;
    private final Path dataDir;
    private final boolean temporaryDataDir;
    private final Duration startupTimeout;
    private final Duration startupTime;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalKafka(List<KafkaNode> nodes, Optional<Integer> only, Path dataDir, boolean temporaryDataDir,
                       Duration startupTimeout, Duration startupTime) {
        this.nodes = List.copyOf(nodes);
        this.only = only;
        this.dataDir = dataDir;
        this.temporaryDataDir = temporaryDataDir;
        this.startupTimeout = startupTimeout;
        this.startupTime = startupTime;
    }

    /** A builder for a single node on ephemeral ports with a temporary data directory. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a single node on ephemeral ports with a temporary data directory. */
    public static LocalKafka start() {
        return builder().start();
    }

    /**
     * The address clients connect to: {@code 127.0.0.1:PORT} for a single node, every node's
     * client address joined by commas for a cluster (stopped nodes included, so that the list
     * stays valid across {@link #stop}/{@link #restart}).
     */
    public String bootstrapServers() {
        return nodes.stream().map(n -> n.host + ":" + n.port).collect(Collectors.joining(","));
    }

    /**
     * The address of the TLS listeners ({@link Builder#tls}), as {@link #bootstrapServers()} lists
     * the PLAINTEXT ones. Clients connect with {@code security.protocol=SSL} and a trust store that
     * holds the broker's certificate; the certificate must name {@code 127.0.0.1}.
     *
     * @throws IllegalStateException when this cluster was started without TLS
     */
    public String tlsBootstrapServers() {
        if (nodes.get(0).tlsPort == 0) {
            throw new IllegalStateException("this LocalKafka has no TLS listener: start it with builder().tls(...)");
        }
        return nodes.stream().map(n -> n.host + ":" + n.tlsPort).collect(Collectors.joining(","));
    }

    /** The first node's client (PLAINTEXT) listener port. */
    public int port() {
        return nodes.get(0).port;
    }

    /** The client port of the node with id {@code nodeId}. */
    public int port(int nodeId) {
        return node(nodeId).port;
    }

    /** The first node's controller listener port; clients never use it. */
    public int controllerPort() {
        return nodes.get(0).controllerPort;
    }

    /** The node ids, {@link #NODE_ID} upwards, in order. */
    public List<Integer> nodeIds() {
        return nodes.stream().map(n -> n.id).toList();
    }

    /** The number of nodes, running or stopped. */
    public int brokers() {
        return nodes.size();
    }

    /** The replication factor of every topic this cluster creates: its number of nodes, at most 3. */
    public short replicationFactor() {
        return replicationFactorFor(nodes.size());
    }

    /** The min ISR of every topic this cluster creates: one less than the replication factor, at least 1. */
    public int minInsyncReplicas() {
        return TopicAdmin.minInsyncReplicasFor(replicationFactor());
    }

    /**
     * The log and metadata directory: a single node's own, or the parent of each node's
     * {@code node-ID} directory in a cluster.
     */
    public Path dataDir() {
        return dataDir;
    }

    /** True iff the data directory was created by this cluster and is deleted on {@link #close()}. */
    public boolean temporaryDataDir() {
        return temporaryDataDir;
    }

    /** From the start of formatting to every node answering {@code describeCluster}. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The client settings needed to reach this cluster ({@code bootstrap.servers}); add your own. */
    public Map<String, Object> clientConfig() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /** True iff the node is running: started and not {@linkplain #stop stopped} since. */
    public synchronized boolean running(int nodeId) {
        return node(nodeId).server != null;
    }

    /**
     * Creates the topics that do not exist yet, with {@link #replicationFactor()} replicas and
     * {@link #minInsyncReplicas()}; see {@link TopicAdmin}.
     *
     * @return what was created, what already existed, and where existing topics differ
     */
    public TopicAdmin.Result ensureTopics(Collection<? extends Topic<?, ?>> topics, int partitions) {
        try (Admin admin = Admin.create(clientConfig())) {
            return TopicAdmin.ensureTopics(admin, topics, partitions, replicationFactor());
        }
    }

    /**
     * Stops one node (a controlled shutdown: its partitions' leadership moves to the others first)
     * and waits for it. The others keep running; with three nodes, the remaining two still form a
     * controller quorum and the ISR of every partition.
     *
     * @throws IllegalArgumentException if there is no such node
     * @throws IllegalStateException    if the node is already stopped or the cluster is closed
     */
    public synchronized void stop(int nodeId) {
        checkOpen();
        KafkaNode node = ownNode(nodeId);
        if (node.server == null) {
            throw new IllegalStateException("Kafka node " + nodeId + " on " + node.host + ":" + node.port
                    + " is already stopped");
        }
        long t0 = System.nanoTime();
        KafkaRaftServer server = node.server;
        node.server = null;
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Kafka node {} on {}:{} stopped in {} ms", nodeId, node.host, node.port, millisSince(t0));
    }

    /**
     * Starts a {@linkplain #stop stopped} node again on its ports and data, and waits until the
     * cluster lists it. It catches up with the others by itself; its partitions rejoin their ISRs
     * once caught up. A majority of the controllers, this one included, must be running.
     *
     * @throws IllegalArgumentException if there is no such node
     * @throws IllegalStateException    if the node is running or the cluster is closed
     * @throws LocalKafkaException      if it does not start in the startup timeout
     */
    public synchronized void restart(int nodeId) {
        checkOpen();
        KafkaNode node = ownNode(nodeId);
        if (node.server != null) {
            throw new IllegalStateException("Kafka node " + nodeId + " on " + node.host + ":" + node.port
                    + " is running: stop it first");
        }
        long t0 = System.nanoTime();
        KafkaRaftServer server = null;
        try {
            server = new KafkaRaftServer(new KafkaConfig(node.properties, false), Time.SYSTEM);
            server.startup();
            awaitListed(node.host, node.port, Set.of(nodeId), startupTimeout);
        } catch (RuntimeException | Error e) {
            stopQuietly(server);
            throw e instanceof LocalKafkaException lke ? lke
                    : new LocalKafkaException("Kafka node " + nodeId + " did not restart on " + node.host + ":" + node.port
                    + " (controller " + node.controllerPort + ", data " + node.dir + "): " + e, e);
        }
        node.server = server;
        LOG.info("Kafka node {} restarted on {}:{} in {} ms", nodeId, node.host, node.port, millisSince(t0));
    }

    /** Stops every running node and waits for them; deletes a temporary data directory. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        List<KafkaRaftServer> running;
        synchronized (this) {
            running = nodes.stream().map(n -> n.server).filter(Objects::nonNull).toList();
            nodes.forEach(n -> n.server = null);
        }
        try {
            stopAll(running);
        } finally {
            if (temporaryDataDir) {
                deleteRecursively(dataDir);
            }
        }
        LOG.info("Kafka {} on {} stopped in {} ms", nodes.size() == 1 ? "broker" : "cluster", bootstrapServers(),
                millisSince(t0));
    }

    @Override
    public String toString() {
        return "LocalKafka[" + bootstrapServers() + ", " + dataDir + "]";
    }

    private KafkaNode node(int nodeId) {
        return nodes.stream().filter(n -> n.id == nodeId).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "no Kafka node " + nodeId + ": the nodes are " + nodeIds()));
    }

    /** The node, if this process runs it. */
    private KafkaNode ownNode(int nodeId) {
        KafkaNode node = node(nodeId);
        if (only.isPresent() && only.get() != nodeId) {
            throw new IllegalStateException("Kafka node " + nodeId + " runs in another process: this one runs node "
                    + only.get() + " only");
        }
        return node;
    }

    /** The one node this process runs, when it runs one node of a cluster ({@link Builder#node}). */
    public Optional<Integer> node() {
        return only;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this LocalKafka on " + bootstrapServers() + " is closed");
        }
    }

    static short replicationFactorFor(int brokers) {
        return (short) Math.min(3, brokers);
    }

    /**
     * Stops servers in parallel. A node's broker stops before its controller, and a controlled
     * shutdown needs a controller quorum to approve it: stopping the nodes one after the other
     * would leave the last brokers waiting minutes for a quorum that is already gone.
     */
    private static void stopAll(List<KafkaRaftServer> servers) {
        if (servers.size() == 1) {
            servers.get(0).shutdown();
            servers.get(0).awaitShutdown();
            return;
        }
        List<CompletableFuture<Void>> stops = servers.stream()
                .map(s -> CompletableFuture.runAsync(() -> {
                    s.shutdown();
                    s.awaitShutdown();
                }, LocalKafka::runOnNewThread))
                .toList();
        RuntimeException failure = null;
        for (CompletableFuture<Void> stop : stops) {
            try {
                stop.join();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void runOnNewThread(Runnable task) {
        Thread thread = new Thread(task, "local-kafka-node");
        thread.setDaemon(true);
        thread.start();
    }

    /** One node: fixed ports and directory, and the server while it runs. */
    private static final class KafkaNode {

        final int id;
        /** The address its client listeners bind and advertise. */
        final String host;
        final int port;
        final int controllerPort;
        /** The TLS client listener's port; 0 without one. */
        final int tlsPort;
        final Path dir;
        final Properties properties;
        /** Guarded by the owning LocalKafka; null while stopped. */
        KafkaRaftServer server;

        KafkaNode(int id, String host, int port, int controllerPort, int tlsPort, Path dir, Properties properties) {
            this.id = id;
            this.host = host;
            this.port = port;
            this.controllerPort = controllerPort;
            this.tlsPort = tlsPort;
            this.dir = dir;
            this.properties = properties;
        }
    }

    /**
     * Settings for a {@link LocalKafka}. Unset ports are picked free at start; an unset data
     * directory is a temporary one, deleted on close. A given directory is formatted on first use
     * and reused as it is afterwards, so its topics and records survive restarts.
     */
    public static final class Builder {

        private int brokers = 1;
        private int node;
        private String host = HOST;
        private int port;
        private int controllerPort;
        private Path dataDir;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Duration segmentRoll = DEFAULT_SEGMENT_ROLL;
        private Tls tls;

        private Builder() {
        }

        /**
         * Adds a client listener with TLS on a free port per node ({@link LocalKafka#tlsBootstrapServers()}),
         * beside the PLAINTEXT one the nodes use among themselves.
         */
        public Builder tls(Tls tls) {
            this.tls = java.util.Objects.requireNonNull(tls, "tls");
            return this;
        }

        /**
         * The number of nodes, 1 (the default) to {@link #MAX_BROKERS}; each is a broker and a
         * controller voter. Three survive the loss of any one.
         */
        public Builder brokers(int brokers) {
            if (brokers < 1 || brokers > MAX_BROKERS) {
                throw new IllegalArgumentException("brokers must be 1-" + MAX_BROKERS + ", got " + brokers);
            }
            this.brokers = brokers;
            return this;
        }

        /**
         * Runs node {@code id} ({@link #NODE_ID} to {@code NODE_ID + brokers - 1}) of the cluster
         * only; 0 (the default) runs every node in this JVM. The other nodes run in other
         * processes started with the same {@link #brokers}, {@link #port}, {@link #controllerPort}
         * and {@link #dataDir}, which must all be given, since every node derives the controller
         * quorum and the cluster id from them. Each node formats its own {@code node-ID} directory
         * on first use; {@link #start()} returns once the cluster lists this node, which takes a
         * majority of the controllers running.
         */
        public Builder node(int id) {
            if (id < 0 || id > MAX_BROKERS) {
                throw new IllegalArgumentException("node must be 0 (every node) or 1-" + MAX_BROKERS + ", got " + id);
            }
            this.node = id;
            return this;
        }

        /**
         * The address the client listeners bind and advertise (default {@value LocalKafka#HOST}): another
         * address of this host when clients in other network namespaces must reach the broker.
         * The controllers stay on {@value LocalKafka#HOST}.
         */
        public Builder host(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host must be an address of this machine, got '" + host + "'");
            }
            this.host = host.strip();
            return this;
        }

        /**
         * The first node's client port, the next nodes' the ports after it; 0 (the default) picks
         * free ones.
         */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /**
         * The first node's controller port, the next nodes' the ports after it; 0 (the default)
         * picks free ones.
         */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /** A directory to keep the data in across restarts; null (the default) for a temporary one. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** How long to wait for the nodes to answer; default {@link #DEFAULT_STARTUP_TIMEOUT}. */
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
         * Formats the storage if needed, starts every node and waits until each answers.
         *
         * @throws IllegalArgumentException if the given ports leave no room for every node or overlap
         * @throws LocalKafkaException      if it does not start; the message says on which ports and directory
         */
        public LocalKafka start() {
            checkPortRanges();
            if (node != 0) {
                if (node > brokers) {
                    throw new IllegalArgumentException("node " + node + " is not a node of a cluster of " + brokers
                            + ": the nodes are " + NODE_ID + "-" + (NODE_ID + brokers - 1));
                }
                if (port == 0 || controllerPort == 0 || dataDir == null) {
                    throw new IllegalArgumentException("a node of a cluster run one node per process needs the port, "
                            + "the controller port and the data directory, the same for every node");
                }
            }
            // A bind failure is retried only when no port was given: with a given port, that one
            // is the likely culprit, and new ports for the others would not help.
            int attempts = port == 0 && controllerPort == 0 ? BIND_ATTEMPTS : 1;
            for (int attempt = 1; ; attempt++) {
                int[] ports = new int[brokers];
                int[] controllerPorts = new int[brokers];
                pickPorts(ports, controllerPorts);
                try {
                    return startOnce(ports, controllerPorts);
                } catch (LocalKafkaException e) {
                    if (attempt < attempts && isBindFailure(e)) {
                        LOG.warn("Kafka could not bind {}:{}/{} (attempt {} of {}), retrying on other ports",
                                host, Arrays.toString(ports), Arrays.toString(controllerPorts), attempt, attempts);
                        continue;
                    }
                    throw e;
                }
            }
        }

        private void checkPortRanges() {
            if (port != 0 && port + brokers - 1 > 65535) {
                throw new IllegalArgumentException("port " + port + " leaves no room for " + brokers + " nodes: the "
                        + "last one would need " + (port + brokers - 1));
            }
            if (controllerPort != 0 && controllerPort + brokers - 1 > 65535) {
                throw new IllegalArgumentException("controllerPort " + controllerPort + " leaves no room for "
                        + brokers + " nodes: the last one would need " + (controllerPort + brokers - 1));
            }
            if (port != 0 && controllerPort != 0 && port < controllerPort + brokers && controllerPort < port + brokers) {
                throw new IllegalArgumentException(brokers == 1
                        ? "port and controllerPort must differ, both are " + port
                        : "the client ports " + port + "-" + (port + brokers - 1) + " and the controller ports "
                        + controllerPort + "-" + (controllerPort + brokers - 1) + " overlap");
            }
        }

        /** Given ports count up from the first; the others are picked free and distinct from all. */
        private void pickPorts(int[] ports, int[] controllerPorts) {
            List<Integer> taken = new ArrayList<>();
            for (int i = 0; i < brokers; i++) {
                if (port != 0) {
                    taken.add(port + i);
                }
                if (controllerPort != 0) {
                    taken.add(controllerPort + i);
                }
            }
            for (int i = 0; i < brokers; i++) {
                ports[i] = port != 0 ? port + i : take(taken);
                controllerPorts[i] = controllerPort != 0 ? controllerPort + i : take(taken);
            }
        }

        private static int take(List<Integer> taken) {
            int p = freePort(taken.stream().mapToInt(Integer::intValue).toArray());
            taken.add(p);
            return p;
        }

        private LocalKafka startOnce(int[] ports, int[] controllerPorts) {
            long t0 = System.nanoTime();
            boolean temporary = dataDir == null;
            Optional<Integer> only = node == 0 ? Optional.empty() : Optional.of(node);
            Path root;
            try {
                root = temporary ? Files.createTempDirectory("local-kafka-") : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new LocalKafkaException("cannot create the Kafka data directory "
                        + (temporary ? "under " + System.getProperty("java.io.tmpdir") : dataDir) + ": " + e, e);
            }
            int[] tlsPorts = new int[brokers];
            if (tls != null) {
                List<Integer> taken = new ArrayList<>();
                Arrays.stream(ports).forEach(taken::add);
                Arrays.stream(controllerPorts).forEach(taken::add);
                for (int i = 0; i < brokers; i++) {
                    tlsPorts[i] = take(taken);
                }
            }
            List<KafkaNode> nodes = new ArrayList<>();
            String voters = IntStream.range(0, brokers)
                    .mapToObj(i -> (NODE_ID + i) + "@" + HOST + ":" + controllerPorts[i])
                    .collect(Collectors.joining(","));
            for (int i = 0; i < brokers; i++) {
                int id = NODE_ID + i;
                // A single node keeps its data directly in the directory, as it always has, so
                // that directories of earlier runs stay usable.
                Path dir = brokers == 1 ? root : root.resolve("node-" + id);
                nodes.add(new KafkaNode(id, host, ports[i], controllerPorts[i], tlsPorts[i], dir,
                        nodeProperties(id, ports[i], controllerPorts[i], tlsPorts[i], voters, dir)));
            }
            List<KafkaRaftServer> started = new ArrayList<>();
            List<KafkaNode> here = only.map(id -> List.of(nodes.get(id - NODE_ID))).orElse(nodes);
            try {
                if (only.isPresent()) {
                    formatNodeIfNeeded(here.get(0), clusterIdFor(brokers, ports[0], controllerPorts[0], root));
                } else {
                    formatIfNeeded(root, nodes);
                }
                startNodes(here, started);
                awaitListed(host, here.get(0).port, here.stream().map(n -> n.id).collect(Collectors.toSet()), startupTimeout);
                Duration took = Duration.ofMillis(millisSince(t0));
                LocalKafka kafka = new LocalKafka(nodes, only, root, temporary, startupTimeout, took);
                LOG.info("Kafka {} ready on {} in {} ms (data {})", only.map(id -> "node " + id + " of a "
                                + brokers + "-node cluster").orElse(brokers == 1 ? "broker" : brokers + "-node cluster"),
                        kafka.bootstrapServers(), took.toMillis(), root);
                return kafka;
            } catch (RuntimeException | Error e) {
                stopAll(started);
                if (temporary) {
                    deleteRecursively(root);
                }
                throw startFailure(e, here);
            }
        }

        /**
         * Starts every node, in parallel: a node's broker finishes starting only once the
         * controller quorum has a leader, which takes a majority of the nodes.
         *
         * @param started receives every server that started, so that the caller can stop them
         */
        private void startNodes(List<KafkaNode> nodes, List<KafkaRaftServer> started) {
            List<CompletableFuture<KafkaRaftServer>> starts = new ArrayList<>();
            for (KafkaNode node : nodes) {
                starts.add(nodes.size() == 1
                        ? CompletableFuture.completedFuture(startNode(node))
                        : CompletableFuture.supplyAsync(() -> startNode(node), LocalKafka::runOnNewThread));
            }
            Throwable failure = null;
            for (int i = 0; i < starts.size(); i++) {
                try {
                    KafkaRaftServer server = starts.get(i).join();
                    nodes.get(i).server = server;
                    started.add(server);
                } catch (RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    failure = failure == null ? cause : failure;
                }
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            if (failure instanceof Error err) {
                throw err;
            }
        }

        /** Starts one node; on failure stops what it started and says which node failed. */
        private static KafkaRaftServer startNode(KafkaNode node) {
            KafkaRaftServer server = null;
            try {
                server = new KafkaRaftServer(new KafkaConfig(node.properties, false), Time.SYSTEM);
                server.startup();
                return server;
            } catch (RuntimeException | Error e) {
                stopQuietly(server);
                throw new NodeStartFailure(node, e);
            }
        }

        private LocalKafkaException startFailure(Throwable e, List<KafkaNode> nodes) {
            if (e instanceof LocalKafkaException lke) {
                return lke;
            }
            KafkaNode node = e instanceof NodeStartFailure nsf ? nsf.node : nodes.get(0);
            Throwable cause = e instanceof NodeStartFailure ? e.getCause() : e;
            String where = (brokers == 1 ? "Kafka broker" : "Kafka node " + node.id) + " did not start on " + node.host
                    + ":" + node.port + " (controller " + node.controllerPort + ", data " + node.dir + "): ";
            Throwable bind = bindFailure(cause);
            if (bind != null) {
                return new LocalKafkaException(where + bind.getMessage() + " Another process holds the port: "
                        + "choose another one, or none to have a free one picked", cause);
            }
            return new LocalKafkaException(where + cause + (rootCause(cause) == cause ? "" : ", caused by "
                    + rootCause(cause)) + "; check that the directory is writable and used by no other broker", cause);
        }

        /**
         * A node's configuration. Replication factors and min ISRs follow the number of nodes, and
         * everything that delays a lone developer (rebalance delay, 128 MiB cleaner buffer,
         * week-long segments) is shortened.
         */
        private Properties nodeProperties(int id, int p, int cp, int tp, String voters, Path dir) {
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", String.valueOf(id));
            props.put("controller.quorum.voters", voters);
            String tlsListener = tls == null ? "" : "," + TLS_LISTENER + "://" + host + ":" + tp;
            props.put("listeners", BROKER_LISTENER + "://" + host + ":" + p + tlsListener + "," + CONTROLLER_LISTENER
                    + "://" + HOST + ":" + cp);
            props.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + p + tlsListener);
            props.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER
                    + ":PLAINTEXT" + (tls == null ? "" : "," + TLS_LISTENER + ":SSL"));
            if (tls != null) {
                String prefix = "listener.name." + TLS_LISTENER.toLowerCase(java.util.Locale.ROOT) + ".";
                props.put(prefix + "ssl.keystore.location", tls.keyStore().toString());
                props.put(prefix + "ssl.keystore.password", tls.password());
                props.put(prefix + "ssl.key.password", tls.password());
                props.put(prefix + "ssl.keystore.type", "PKCS12");
            }
            props.put("inter.broker.listener.name", BROKER_LISTENER);
            props.put("controller.listener.names", CONTROLLER_LISTENER);
            props.put("log.dirs", dir.toString());
            props.put("server.max.startup.time.ms", String.valueOf(startupTimeout.toMillis()));

            // Replication follows the cluster: 1 on a single node, 3 with min ISR 2 on three. The
            // transaction state topic matters: exactly-once (the planner) cannot initialise
            // transactions without enough replicas of it.
            String rf = String.valueOf(replicationFactorFor(brokers));
            String minIsr = String.valueOf(TopicAdmin.minInsyncReplicasFor(replicationFactorFor(brokers)));
            props.put("default.replication.factor", rf);
            props.put("min.insync.replicas", minIsr);
            props.put("offsets.topic.replication.factor", rf);
            props.put("offsets.topic.num.partitions", "1");
            props.put("transaction.state.log.replication.factor", rf);
            props.put("transaction.state.log.min.isr", minIsr);
            props.put("transaction.state.log.num.partitions", "1");
            props.put("share.coordinator.state.topic.replication.factor", rf);
            props.put("share.coordinator.state.topic.min.isr", minIsr);
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

    /** A node that did not start, carrying which one for the message. */
    private static final class NodeStartFailure extends RuntimeException {

        final transient KafkaNode node;

        NodeStartFailure(KafkaNode node, Throwable cause) {
            super(cause);
            this.node = node;
        }
    }

    /**
     * Formats the nodes' directories with one cluster id when none holds a node yet; when all do,
     * they are reused as they are. Some formatted and some not cannot form one cluster: refused.
     */
    private static void formatIfNeeded(Path root, List<KafkaNode> nodes) {
        List<KafkaNode> formatted = nodes.stream().filter(n -> Files.exists(n.dir.resolve(META_PROPERTIES))).toList();
        if (formatted.size() == nodes.size()) {
            LOG.info("Kafka data directory {} is already formatted, reusing it", root);
            return;
        }
        if (!formatted.isEmpty()) {
            throw new LocalKafkaException("the Kafka data directory " + root + " holds "
                    + formatted.stream().map(n -> n.dir.getFileName().toString()).toList() + " but not the other "
                    + "nodes of " + nodes.size() + ": start it with the number of nodes it was made with, or use "
                    + "another directory");
        }
        String clusterId = Uuid.randomUuid().toString();
        for (KafkaNode node : nodes) {
            format(node, clusterId);
        }
    }

    /** Formats one node's directory with {@code clusterId} unless it holds a node already. */
    private static void formatNodeIfNeeded(KafkaNode node, String clusterId) {
        if (Files.exists(node.dir.resolve(META_PROPERTIES))) {
            LOG.info("Kafka data directory {} is already formatted, reusing it", node.dir);
            return;
        }
        format(node, clusterId);
    }

    /**
     * The cluster id of a cluster run one node per process: derived from what every node is given
     * alike, so that nodes formatted by different processes form one cluster.
     */
    static String clusterIdFor(int brokers, int port, int controllerPort, Path root) {
        java.util.UUID id = java.util.UUID.nameUUIDFromBytes(("icbd local-kafka " + brokers + " " + port + " "
                + controllerPort + " " + root.toAbsolutePath().normalize()).getBytes(StandardCharsets.UTF_8));
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()).toString();
    }

    private static void format(KafkaNode node, String clusterId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            Files.createDirectories(node.dir);
            // A static quorum (controller.quorum.voters): every node knows all voters from its
            // configuration, so the storage needs only the shared cluster id and its own node id.
            new Formatter()
                    .setPrintStream(print)
                    .setNodeId(node.id)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(node.dir.toString()))
                    .setMetadataLogDirectory(node.dir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new LocalKafkaException("cannot format the Kafka data directory " + node.dir + ": " + e, e);
        }
        LOG.debug("Formatted {}: {}", node.dir, out.toString(StandardCharsets.UTF_8).strip());
    }

    /** Waits until the node on {@code port} lists every one of {@code nodeIds} in {@code describeCluster}. */
    private static void awaitListed(String host, int port, Set<Integer> nodeIds, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, host + ":" + port,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        try (Admin admin = Admin.create(config)) {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new LocalKafkaException("Kafka on " + host + ":" + port + " did not list the nodes "
                            + nodeIds + " in describeCluster within " + timeout.toMillis() + " ms");
                }
                // The admin client retries internally until its timeout, so this loop only repeats
                // while the cluster answers without some node, which lasts at most a few heartbeats.
                Collection<Node> listed = admin.describeCluster(new DescribeClusterOptions()
                                .timeoutMs((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))))
                        .nodes().get(left, TimeUnit.NANOSECONDS);
                if (listed.stream().map(Node::id).collect(Collectors.toSet()).containsAll(nodeIds)) {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new LocalKafkaException("Kafka on " + host + ":" + port + " did not answer describeCluster "
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
            LOG.warn("Stopping a Kafka node that failed to start failed too: {}", e.toString());
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

    /**
     * A TLS listener's identity: a PKCS12 key store holding the broker's private key and
     * certificate, and its password (the key's too).
     */
    public record Tls(Path keyStore, String password) {
        public Tls {
            java.util.Objects.requireNonNull(keyStore, "keyStore");
            java.util.Objects.requireNonNull(password, "password");
        }
    }
}
