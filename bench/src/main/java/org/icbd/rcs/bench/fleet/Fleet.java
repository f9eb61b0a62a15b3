package org.icbd.rcs.bench.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.icbd.rcs.bench.process.ChildJvm;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.status.StatusBoard;
import org.icbd.rcs.master.status.StatusReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole deployment on one machine: a Kafka broker, a master, a planner and replicas, each in its
 * own JVM, each site on its own loop-mounted btrfs pool. Used by {@code icbd demo} and the
 * end-to-end test; {@link #close()} takes everything down again, whatever state it is in. Every
 * service runs from the services' classes ({@link ChildJvm#services}) and is waited for by its
 * ready file.
 */
public final class Fleet implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);

    public static final String MASTER_NAME = "master";

    /**
     * @param workDir     everything lives under it: pools, keys, logs, the broker's data
     * @param poolBytes   the size of each site's (sparse) pool
     * @param readyTimeout how long a component may take to start
     * @param heap        each JVM's maximum heap
     */
    public record Settings(Path workDir, long poolBytes, Duration readyTimeout, String heap,
                           Duration offlineAfter) {
    }

    /**
     * How a replica takes part in its site's peering.
     *
     * @param maxDownstreams empty: it does not serve; else it runs its own send service for its site's
     *                       replicas, feeding at most that many at once
     * @param trusts         the serving replicas of its site it may pull from (beside the master), each
     *                       added to the fleet before it
     */
    public record Peering(OptionalInt maxDownstreams, List<String> trusts) {
        public static final Peering NONE = new Peering(OptionalInt.empty(), List.of());

        public Peering {
            Objects.requireNonNull(maxDownstreams, "maxDownstreams");
            trusts = List.copyOf(trusts);
        }

        /** Serves its site, feeding at most {@code maxDownstreams} at once. */
        public static Peering serving(int maxDownstreams) {
            return new Peering(OptionalInt.of(maxDownstreams), List.of());
        }

        /** Pulls from {@code peers} (and the master) when the planner says so. */
        public static Peering trusting(String... peers) {
            return new Peering(OptionalInt.empty(), List.of(peers));
        }
    }

    /**
     * How a replica reaches the master: in the host's network namespace or its own ({@code ip netns exec}),
     * dialling {@code masterHost:masterPort} (a relay in between), 0 for the master's own port.
     */
    public record ReplicaLink(Optional<String> namespace, String masterHost, int masterPort) {
        public ReplicaLink {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(masterHost, "masterHost");
        }

        /** The master's own address and port, in the host's namespace. */
        public static ReplicaLink direct() {
            return new ReplicaLink(Optional.empty(), "127.0.0.1", 0);
        }
    }

    /** A replica site: its pool and key, and its process while it runs. */
    public static final class Replica {
        final String id;
        final String site;
        final List<String> subscriptions;
        final LoopPool pool;
        final Path privateKey;
        /** Its /metrics and /health; kept across restarts of the replica. */
        final int httpPort;
        /** How the replica reaches the master: its own namespace or not, the address and port it dials. */
        ReplicaLink link = ReplicaLink.direct();
        Peering peering = Peering.NONE;
        /** Further settings, {@code --set NAME=VALUE} at each start. */
        final Map<String, String> settings = new LinkedHashMap<>();
        /** Its own send service's port, kept across restarts; 0 when it does not serve. */
        int servePort;
        ChildJvm process;

        Replica(String id, String site, List<String> subscriptions, LoopPool pool, Path privateKey, int httpPort) {
            this.id = id;
            this.site = site;
            this.subscriptions = subscriptions;
            this.pool = pool;
            this.privateKey = privateKey;
            this.httpPort = httpPort;
        }

        public String id() {
            return id;
        }

        public String site() {
            return site;
        }

        public int httpPort() {
            return httpPort;
        }

        public Path pool() {
            return pool.mountPoint();
        }

        public Optional<ChildJvm> process() {
            return Optional.ofNullable(process);
        }

        /** Its own send service's port, when it serves its site. */
        public OptionalInt servePort() {
            return servePort == 0 ? OptionalInt.empty() : OptionalInt.of(servePort);
        }
    }

    private final Settings settings;
    private final CommandRunner runner = new CommandRunner();
    private final List<LoopPool> pools = new ArrayList<>();
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final Path keys;
    private final Path logs;
    private ChildJvm kafka;
    private String kafkaHost = "127.0.0.1";
    private List<String> replicaArgs = List.of();
    private String bootstrap;
    private LoopPool masterPool;
    private ChildJvm master;
    private int sshPort;
    private int httpPort;
    private ChildJvm planner;
    private int plannerHttpPort;
    private int plannerGeneration;
    private Publisher publisher;

    public Fleet(Settings settings) {
        this.settings = settings;
        this.keys = settings.workDir().resolve("keys");
        this.logs = settings.workDir().resolve("logs");
        try {
            Files.createDirectories(keys);
            Files.createDirectories(logs);
            Files.writeString(authorizedKeys(), "", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + settings.workDir() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The address the broker listens on and advertises (default 127.0.0.1): one every replica's
     * network namespace reaches. Set it before {@link #startKafka}.
     */
    public void kafkaHost(String address) {
        if (bootstrap != null) {
            throw new IllegalStateException("the broker already started on " + bootstrap);
        }
        this.kafkaHost = Objects.requireNonNull(address, "address");
    }

    /** Arguments every replica service gets after the fleet's own ({@code --set ...}, say), at every start. */
    public void replicaArgs(List<String> args) {
        this.replicaArgs = List.copyOf(args);
    }

    /** Starts the broker on a free port, or (again) on the port it had; returns the bootstrap address. */
    public String startKafka() {
        // A restart keeps the client port: every service was told this bootstrap address.
        String port = bootstrap == null ? "0" : bootstrap.substring(bootstrap.lastIndexOf(':') + 1);
        kafka = start("kafka", "512m", List.of("local-kafka", "--host", kafkaHost, "--port", port,
                "--data-dir", settings.workDir().resolve("kafka").toString(), "--partitions", "3"));
        bootstrap = kafka.awaitReady(settings.readyTimeout()).get("bootstrap");
        return bootstrap;
    }

    /** Stops the broker and starts it again on the same port with the same data; the services reconnect. */
    public String restartKafka() {
        end("kafka", false);
        restart("kafka");
        return bootstrap;
    }

    /**
     * Ends one of the fleet's processes as a crash ({@code kill}: SIGKILL) or an operator would
     * (SIGTERM, then SIGKILL after the stop grace): {@code kafka}, {@code master}, {@code planner} or a
     * replica's id. {@link #restart} starts it again with the same settings. Returns its exit status
     * (137 after a SIGKILL).
     */
    public int end(String name, boolean kill) {
        ChildJvm p = switch (name) {
            case "kafka" -> kafka;
            case MASTER_NAME -> master;
            case "planner" -> planner;
            default -> replica(name).process;
        };
        if (p == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return kill ? p.kill() : p.stop();
    }

    /** Starts {@code name} again after {@link #end}: the broker on its port, the master on its pool. */
    public void restart(String name) {
        switch (name) {
            case "kafka" -> startKafka();
            case MASTER_NAME -> startMaster();
            case "planner" -> startPlanner();
            default -> startReplica(name);
        }
    }

    /** Creates the master's pool and starts the master service on free ports. */
    public void startMaster() {
        startMaster(List.of());
    }

    /** Starts the master service with {@code extraArgs} after the fleet's own ({@code --keep 2}, say). */
    public void startMaster(List<String> extraArgs) {
        if (masterPool == null) {
            masterPool = pool("master");
        }
        sshPort = freePort();
        httpPort = freePort();
        List<String> args = new ArrayList<>(List.of(
                "master", "serve",
                "--pool", masterPool.mountPoint().toString(),
                "--name", MASTER_NAME,
                "--ssh-host", "127.0.0.1",
                "--ssh-port", String.valueOf(sshPort),
                "--host-key", hostKey().toString(),
                "--authorized-keys", authorizedKeys().toString(),
                "--bootstrap", bootstrap,
                "--http-port", String.valueOf(httpPort)));
        args.addAll(extraArgs);
        master = start("master", settings.heap(), args);
        master.awaitReady(settings.readyTimeout());
    }

    public void startPlanner() {
        plannerGeneration++;
        if (plannerHttpPort == 0) {
            plannerHttpPort = freePort();
        }
        planner = start("planner", settings.heap(), List.of(
                "planner",
                "--bootstrap", bootstrap,
                "--http-port", String.valueOf(plannerHttpPort),
                "--state-dir", settings.workDir().resolve("planner-state").toString(),
                "--offline-after", settings.offlineAfter().toSeconds() + "s"));
        planner.awaitReady(settings.readyTimeout());
    }

    public void stopPlanner() {
        if (planner != null) {
            planner.stop();
            planner = null;
        }
    }

    /** Creates a replica site (pool, key, authorised on the master) and starts its service. */
    public Replica addReplica(String id, String site, List<String> subscriptions) {
        return addReplica(id, site, subscriptions, 0);
    }

    /**
     * As {@link #addReplica(String, String, List)}, the replica reaching the master on 127.0.0.1:{@code masterPort}
     * (a relay that forwards to {@link #sshPort()}); 0 for the master's own port.
     */
    public Replica addReplica(String id, String site, List<String> subscriptions, int masterPort) {
        return addReplica(id, site, subscriptions, masterPort, Peering.NONE);
    }

    /**
     * As {@link #addReplica(String, String, List, int)}, taking part in its site's peering: serving
     * (its own send service on a port of its own, host key under {@code keys/}, authorising the keys
     * of the replicas that come to trust it) and/or trusting serving replicas of its site added before.
     */
    public Replica addReplica(String id, String site, List<String> subscriptions, int masterPort, Peering peering) {
        for (String peer : peering.trusts()) {
            Replica upstream = replica(peer);
            if (upstream.servePort == 0 || !upstream.site.equals(site)) {
                throw new IllegalArgumentException(id + " cannot trust " + peer + ": it does not serve site " + site);
            }
        }
        LoopPool pool = pool(id);
        Path key = authorizeClient(id);
        Replica replica = new Replica(id, site, List.copyOf(subscriptions), pool, key, freePort());
        replica.link = new ReplicaLink(Optional.empty(), "127.0.0.1", masterPort);
        replica.peering = peering;
        if (peering.maxDownstreams().isPresent()) {
            replica.servePort = freePort();
            try {
                Files.writeString(downstreamKeys(id), "", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + downstreamKeys(id) + ": " + e.getMessage(), e);
            }
        }
        for (String peer : peering.trusts()) {
            try {
                Files.writeString(downstreamKeys(peer), Files.readString(key.resolveSibling(id + ".pub")),
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot authorise " + id + " on " + peer + ": " + e.getMessage(), e);
            }
        }
        replicas.put(id, replica);
        startReplica(id);
        return replica;
    }

    /** As {@link #addReplica(String, String, List)}, the replica reaching the master by {@code link}. */
    public Replica addReplica(String id, String site, List<String> subscriptions, ReplicaLink link) {
        return addReplicas(List.of(new ReplicaSpec(id, site, subscriptions, link))).get(0);
    }

    /** One replica site to add: its id, site, subscriptions ({@code image:keep}) and link to the master. */
    public record ReplicaSpec(String id, String site, List<String> subscriptions, ReplicaLink link) {
        public ReplicaSpec {
            subscriptions = List.copyOf(subscriptions);
            Objects.requireNonNull(link, "link");
        }
    }

    /** Creates several replica sites and starts their services side by side, then waits until each is ready. */
    public List<Replica> addReplicas(List<ReplicaSpec> specs) {
        List<Replica> added = new ArrayList<>();
        for (ReplicaSpec spec : specs) {
            LoopPool pool = pool(spec.id());
            Path key = authorizeClient(spec.id());
            Replica replica = new Replica(spec.id(), spec.site(), spec.subscriptions(), pool, key, freePort());
            replica.link = spec.link();
            replicas.put(spec.id(), replica);
            launchReplica(replica);
            added.add(replica);
        }
        for (Replica r : added) {
            r.process.awaitReady(settings.readyTimeout());
        }
        return added;
    }

    /**
     * Sets {@code name} (a full setting name, e.g. {@code icbd.replica.max-pull-rate}) for the
     * replica's next start ({@link #restart}).
     */
    public void configureReplica(String id, String name, String value) {
        replica(id).settings.put(name, value);
    }

    /**
     * The replica's peering as a configuration file ({@code --config}): its
     * {@code icbd.replica.serve.*} and its {@code icbd.replica.peers}, each pinned to the host key
     * the peer's send service wrote next to its own.
     */
    private Path peeringConfig(Replica r) {
        StringBuilder yml = new StringBuilder("icbd:\n  replica:\n");
        if (r.peering.maxDownstreams().isPresent()) {
            yml.append("    serve:\n      enabled: true\n      host: 127.0.0.1\n      advertised-host: 127.0.0.1\n")
                    .append("      port: ").append(r.servePort).append('\n')
                    .append("      host-key-file: ").append(serveHostKey(r.id)).append('\n')
                    .append("      authorized-keys-file: ").append(downstreamKeys(r.id)).append('\n')
                    .append("      max-downstreams: ").append(r.peering.maxDownstreams().getAsInt()).append('\n');
        }
        if (!r.peering.trusts().isEmpty()) {
            yml.append("    peers:\n");
            for (String peer : r.peering.trusts()) {
                Replica p = replica(peer);
                yml.append("      - id: ").append(peer).append('\n')
                        .append("        host: 127.0.0.1\n")
                        .append("        port: ").append(p.servePort).append('\n')
                        .append("        host-key-file: ").append(serveHostKey(peer).resolveSibling(
                                serveHostKey(peer).getFileName() + ".pub")).append('\n');
            }
        }
        Path file = keys.resolve(r.id + "-peering.yml");
        try {
            Files.writeString(file, yml.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private Path serveHostKey(String id) {
        return keys.resolve(id + "_serve_host_key");
    }

    private Path downstreamKeys(String id) {
        return keys.resolve(id + "_authorized_keys");
    }

    /**
     * Generates a client key named {@code id} and adds it to the master's {@code authorized_keys}
     * (which the master re-reads when it changes); returns the private key's path.
     */
    public Path authorizeClient(String id) {
        Path key = keys.resolve(id);
        runner.run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", id, "-f", key.toString()),
                Duration.ofSeconds(30));
        try {
            Files.writeString(authorizedKeys(), Files.readString(key.resolveSibling(id + ".pub")),
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot authorise " + id + "'s key: " + e.getMessage(), e);
        }
        return key;
    }

    /** The master's public host key line, as replicas pin it. */
    public Path masterHostKeyPin() {
        return hostKey().resolveSibling(hostKey().getFileName() + ".pub");
    }

    public void startReplica(String id) {
        Replica r = replica(id);
        launchReplica(r);
        r.process.awaitReady(settings.readyTimeout());
    }

    private void launchReplica(Replica r) {
        String id = r.id;
        List<String> args = new ArrayList<>(List.of(
                "replica", "run",
                "--id", r.id,
                "--site", r.site,
                "--pool", r.pool.mountPoint().toString(),
                "--bootstrap", bootstrap,
                "--master-host", r.link.masterHost(),
                "--master-port", String.valueOf(r.link.masterPort() > 0 ? r.link.masterPort() : sshPort),
                "--master-host-key-file", masterHostKeyPin().toString(),
                "--private-key", r.privateKey.toString(),
                "--heartbeat", "2s",
                "--progress-interval", "1s",
                "--http-port", String.valueOf(r.httpPort)));
        for (String s : r.subscriptions) {
            args.add("--subscribe");
            args.add(s);
        }
        if (!r.peering.equals(Peering.NONE)) {
            args.add("--config");
            args.add(peeringConfig(r).toString());
        }
        r.settings.forEach((name, value) -> {
            args.add("--set");
            args.add(name + "=" + value);
        });
        args.addAll(replicaArgs);
        r.process = start(id, settings.heap(), args, r.link.namespace());
    }

    public void stopReplica(String id) {
        Replica r = replica(id);
        if (r.process != null) {
            r.process.stop();
            r.process = null;
        }
    }

    public Replica replica(String id) {
        Replica r = replicas.get(id);
        if (r == null) {
            throw new IllegalArgumentException("no replica " + id);
        }
        return r;
    }

    public List<Replica> replicas() {
        return List.copyOf(replicas.values());
    }

    public ImageRepository masterRepository() {
        return new ImageRepository(masterPool.mountPoint(), runner);
    }

    /** Creates the image's {@code work} subvolume on the master and returns it. */
    public Path initImage(String image) {
        return masterRepository().init(image);
    }

    /** Publishes the image's {@code work} as its next version, as an admin script would. */
    public ImageVersionPublished publish(String image) {
        if (publisher == null) {
            publisher = new Publisher(masterRepository(), PublisherSettings.of(bootstrap, MASTER_NAME));
        }
        return publisher.publish(image);
    }

    /**
     * Waits until every named replica holds {@code version} of {@code image} and is IN_SYNC,
     * showing the board to {@code progress} whenever it changes.
     */
    public StatusBoard awaitInSync(String image, int version, List<String> replicaIds, Duration timeout,
                                   Consumer<StatusBoard> progress) {
        StatusBoard board = new StatusBoard();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (StatusReader reader = new StatusReader(KafkaClientSettings.of(bootstrap), Duration.ofSeconds(30),
                bad -> log.warn("status record skipped: {}", bad))) {
            reader.catchUp(board);
            progress.accept(board);
            while (!inSync(board, image, version, replicaIds)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replicas " + replicaIds + " did not reach " + image + " version "
                            + version + " within " + timeout.toSeconds() + " s; status:\n" + board.render());
                }
                if (reader.poll(board, Duration.ofMillis(500))) {
                    progress.accept(board);
                }
            }
        }
        return board;
    }

    private static boolean inSync(StatusBoard board, String image, int version, List<String> replicaIds) {
        for (String id : replicaIds) {
            Optional<ReplicationStatus> s = board.rows().stream()
                    .filter(r -> r.replicaId().equals(id) && r.image().equals(image)).findFirst();
            if (s.isEmpty() || s.get().state() != ReplicationState.IN_SYNC
                    || !s.get().have().contains(version)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Compares every version a replica holds of an image with the master's: files byte for byte,
     * and the replica's {@code received_uuid} against the master's uuid.
     */
    public List<VersionCheck> verify(String replicaId, String image) {
        Path replicaVersions = replica(replicaId).pool().resolve("images").resolve(image).resolve("versions");
        List<VersionCheck> checks = new ArrayList<>();
        try (var versions = Files.list(replicaVersions)) {
            for (int v : versions.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
                    .map(Integer::parseInt).sorted().toList()) {
                checks.add(verify(replicaId, image, v));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + replicaVersions + ": " + e.getMessage(), e);
        }
        return checks;
    }

    /** Compares one version a replica holds with the master's, which must still hold it too. */
    public VersionCheck verify(String replicaId, String image, int version) {
        Path v = replica(replicaId).pool().resolve("images").resolve(image).resolve("versions")
                .resolve(String.valueOf(version));
        Path m = masterPool.mountPoint().resolve("images").resolve(image).resolve("versions")
                .resolve(String.valueOf(version));
        BtrfsTool btrfs = new BtrfsTool(runner);
        SubvolumeInfo mine = btrfs.show(v);
        SubvolumeInfo theirs = btrfs.show(m);
        boolean uuidMatches = mine.receivedUuid().equals(Optional.of(theirs.uuid()));
        return new VersionCheck(replicaId, image, version, uuidMatches, mine.readOnly(), TreeComparison.compare(m, v));
    }

    /** One replica's copy of one version, checked against the master's. */
    public record VersionCheck(String replicaId, String image, int version, boolean uuidMatches, boolean readOnly,
                               TreeComparison comparison) {
        public boolean ok() {
            return uuidMatches && readOnly && comparison.identical();
        }
    }

    public String bootstrap() {
        return bootstrap;
    }

    public int httpPort() {
        return httpPort;
    }

    public int sshPort() {
        return sshPort;
    }

    public int plannerHttpPort() {
        return plannerHttpPort;
    }

    /** Where every service of the fleet answers, from its list of replicas. */
    public FleetEndpoints endpoints() {
        return new FleetEndpoints(new FleetEndpoints.Kafka(bootstrap),
                new FleetEndpoints.Master(sshPort, httpPort, "http://127.0.0.1:" + httpPort + "/"),
                new FleetEndpoints.Planner(plannerHttpPort),
                replicas.values().stream().map(r -> new FleetEndpoints.Replica(r.id, r.site, r.httpPort,
                        r.servePort == 0 ? null : r.servePort)).toList());
    }

    public Path logs() {
        return logs;
    }

    public Path masterPool() {
        return masterPool.mountPoint();
    }

    /** Every process of the fleet that is running, for an operator's "how do I stop this". */
    public List<ChildJvm> processes() {
        List<ChildJvm> all = new ArrayList<>();
        replicas.values().forEach(r -> r.process().ifPresent(all::add));
        Optional.ofNullable(planner).ifPresent(all::add);
        Optional.ofNullable(master).ifPresent(all::add);
        Optional.ofNullable(kafka).ifPresent(all::add);
        return all;
    }

    public List<LoopPool> pools() {
        return List.copyOf(pools);
    }

    /** Stops the services (replicas, planner, master, then the broker they all talk to) and destroys the pools. */
    @Override
    public void close() {
        if (publisher != null) {
            publisher.close();
        }
        for (ChildJvm p : processes()) {
            try {
                p.stop();
            } catch (RuntimeException e) {
                log.warn("stopping {} failed: {}", p.name(), e.toString());
            }
        }
        for (LoopPool pool : pools) {
            try {
                pool.close();
            } catch (RuntimeException e) {
                log.warn("destroying pool {} failed: {}", pool.backingFile(), e.toString());
            }
        }
    }

    /** {@code icbd <args>} from the services' classes, its log and ready file under {@code logs/}. */
    private ChildJvm start(String name, String heap, List<String> args) {
        return start(name, heap, args, Optional.empty());
    }

    private ChildJvm start(String name, String heap, List<String> args, Optional<String> netns) {
        return ChildJvm.services(name, args)
                .jvmOptions(List.of("-Xmx" + heap, "-XX:+UseSerialGC"))
                .networkNamespace(netns)
                .logFile(logs.resolve(name + ".log"))
                .readyFile(logs.resolve(name + ".ready"))
                .start();
    }

    private LoopPool pool(String name) {
        LoopPool pool = LoopPool.create(settings.workDir().resolve("pools").resolve(name + ".img"),
                settings.workDir().resolve("mnt").resolve(name), settings.poolBytes());
        pools.add(pool);
        return pool;
    }

    private Path hostKey() {
        return keys.resolve("master_host_key");
    }

    private Path authorizedKeys() {
        return keys.resolve("authorized_keys");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1: " + e.getMessage(), e);
        }
    }
}
