package org.icbd.rcs.bench;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.icbd.rcs.bench.chaos.ChaosLink;
import org.icbd.rcs.btrfs.BtrfsFsCheck;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.master.ssh.SendObserver;
import org.icbd.rcs.rate.Throttle;
import org.icbd.rcs.replica.config.ReplicaSettings;
import org.icbd.rcs.replica.disk.ReplicaPool;
import org.icbd.rcs.replica.disk.VersionStore;
import org.icbd.rcs.replica.pull.HostKeyPin;
import org.icbd.rcs.replica.pull.MasterClient;
import org.icbd.rcs.replica.pull.MasterEndpoint;
import org.icbd.rcs.replica.pull.TrustedSources;
import org.icbd.rcs.replica.serve.PeerServer;
import org.icbd.rcs.replica.serve.PoolVersions;
import org.icbd.rcs.replica.serve.ServeConfig;
import org.icbd.rcs.replica.step.AbortSignal;
import org.icbd.rcs.replica.step.PullStepRunner;
import org.icbd.rcs.replica.step.StepObserver;
import org.icbd.rcs.replica.step.StepOrder;
import org.icbd.rcs.replica.step.StepResult;
import org.icbd.rcs.replica.step.StepTimings;
import org.icbd.rcs.transfer.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica side of the bench, run in a child JVM of its own ({@code icbd bench replica-site}),
 * possibly in another network namespace. It pulls steps with the replica service's own step runner,
 * {@link PullStepRunner}, over the service's {@link MasterClient} (the master's host key pinned, one
 * session kept open, an exec channel per step) into the service's {@link ReplicaPool}: what it measures is what
 * ships. Kafka is left out: progress reports do not move bytes, so the runner's observer tells nobody.
 *
 * <p>Protocol, one command per stdin line, one {@link SiteReply} per stdout line:
 * <ul>
 *   <li>{@code pull <image> <version> <parent|-> <none|lz4|zstd> <uuid> [tcp] [from=<source>]}: one step
 *       (with {@code tcp}, its stream over {@code transport=tcp}; with {@code from}, the step names that
 *       source, which the runner resolves through its {@link TrustedSources} as the service does: a peer
 *       given by {@code peer}, else the master), its parent found in
 *       the pool by version, run again at once after a transient failure (a cut link: the next attempt
 *       resumes from the bytes held), as the service retries a task; {@code ok wire= stream= nanos=
 *       connect= transfer= promote= cipher= attempts= source=}, {@code wire} and {@code nanos} over every
 *       attempt, {@code source} the id of the source the step was pulled from
 *   <li>{@code serve <host> <max-downstreams> <host-key> <host-key-pin> <authorized-keys>}: starts this
 *       replica's own send service over its pool, the service's {@link PeerServer} over {@link
 *       PoolVersions} (its own host key, generated when missing; its own authorized keys), on a free
 *       port; writes its host key to {@code host-key-pin} for its downstreams; {@code ok ssh=<port>
 *       fingerprint=}
 *   <li>{@code peer <id> <host> <port> <host-key-pin>}: trusts a serving replica as source {@code id},
 *       its host key pinned, as {@code icbd.replica.peers} does; {@code ok}
 *   <li>{@code served}: the bytes this replica's send service put on its channels so far; {@code ok bytes=}
 *   <li>{@code delete <image> <version>}: deletes a held version as the service's retention does (the
 *       stored streams of it dropped when serving); {@code ok}
 *   <li>{@code probe <host> <port> <bytes>}: reads that many bytes from a {@link ProbeServer};
 *       {@code ok bytes= nanos=}
 *   <li>{@code cut <bytes>} (with the relay): the next pull's connection is cut once it has carried
 *       that many bytes from the master; {@code ok}. With the relay, a pull's reply also has {@code
 *       relayed=}, the bytes the relay carried from the master during it (SSH framing included)
 * </ul>
 * The site ends when its stdin ends.
 */
public final class ReplicaSite implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSite.class);
    private static final int COPY_BUFFER_BYTES = 1 << 20;
    /** Attempts of one {@code pull}: enough for the bench's one planned cut and a spare. */
    private static final int MAX_ATTEMPTS = 4;
    /**
     * What the reply's {@code cipher} field says: the runner does not expose the negotiated cipher, so
     * it names the client whose own cipher order (AES-GCM first) decided it.
     */
    static final String CIPHER = "MasterClient";

    /**
     * @param root       the replica's pool directory
     * @param masterHost the master's address as seen from here
     * @param masterPort its SSH port
     * @param hostKeyPin a file holding the master's host key (an OpenSSH public key line)
     * @param identity   this replica's private key (OpenSSH format)
     * @param maxPullRate the pulls' cap in wire bytes per second ({@code icbd.replica.max-pull-rate}); empty for none
     * @param relay      whether to reach the master through a {@link ChaosLink} in this JVM, which the
     *                   {@code cut} command cuts (so that it works in whatever namespace the site runs)
     */
    public record Settings(Path root, String masterHost, int masterPort, Path hostKeyPin, Path identity,
                           Optional<Long> maxPullRate, boolean relay) {

        public Settings {
            Objects.requireNonNull(maxPullRate, "--max-pull-rate");
            Objects.requireNonNull(root, "--root");
            Objects.requireNonNull(masterHost, "--master-host");
            Objects.requireNonNull(hostKeyPin, "--host-key-pin");
            Objects.requireNonNull(identity, "--identity");
        }
    }

    private final String replicaId;
    private final ReplicaPool pool;
    private final BtrfsTool btrfs;
    private final KeyPair identity;
    /** Builds a step runner over the given sources, with this site's settings. */
    private final Function<TrustedSources, PullStepRunner> runners;
    private final MasterClient master;
    /** The trusted peers so far, by id ({@code peer}). */
    private final Map<String, MasterClient> peers = new LinkedHashMap<>();
    /** The runner over the master and the trusted peers; rebuilt when a peer is added. */
    private PullStepRunner steps;
    /** The same runner over a client whose endpoint says {@code transport: tcp}. */
    private final PullStepRunner tcpSteps;
    /** Names each step in the runner's logs: the bench has no tasks. */
    private final AtomicLong stepCount = new AtomicLong();
    private final Optional<ChaosLink> relay;
    /** This replica's send service, once {@code serve} started it. */
    private Optional<PeerServer> server = Optional.empty();
    private final AtomicLong served = new AtomicLong();

    private ReplicaSite(String replicaId, ReplicaPool pool, BtrfsTool btrfs, KeyPair identity, MasterClient master,
                        Function<TrustedSources, PullStepRunner> runners, PullStepRunner tcpSteps,
                        Optional<ChaosLink> relay) {
        this.replicaId = replicaId;
        this.pool = pool;
        this.btrfs = btrfs;
        this.identity = identity;
        this.master = master;
        this.runners = runners;
        this.steps = runners.apply(TrustedSources.masterOnly(replicaId, master));
        this.tcpSteps = tcpSteps;
        this.relay = relay;
    }

    public static int run(Settings settings, BufferedReader in, PrintWriter out) throws Exception {
        PublicKey hostKey = HostKeyPin.parse(Files.readString(settings.hostKeyPin()), settings.masterHost(),
                settings.masterPort());
        KeyPair identity;
        try (InputStream key = Files.newInputStream(settings.identity())) {
            identity = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(settings.identity().toString()),
                    key, null).iterator().next();
        }
        String replicaId = "bench-" + settings.root().getFileName();
        Optional<ChaosLink> relay = settings.relay()
                ? Optional.of(new ChaosLink(replicaId, settings::masterPort, 1)) : Optional.empty();
        int port = relay.map(ChaosLink::port).orElse(settings.masterPort());
        String host = relay.isPresent() ? "127.0.0.1" : settings.masterHost();
        BtrfsTool btrfs = new BtrfsTool(new CommandRunner(), Duration.ofMinutes(10));
        // The service's defaults throughout: the bench measures the replica as it is configured out of the box.
        MasterEndpoint endpoint = new MasterEndpoint(host, port,
                ReplicaSettings.Ssh.DEFAULT_USER, hostKey, identity, ReplicaSettings.Ssh.DEFAULT_CONNECT_TIMEOUT,
                ReplicaSettings.Ssh.DEFAULT_STALL_TIMEOUT);
        try (AutoCloseable link = () -> relay.ifPresent(ChaosLink::close);
             MasterClient master = new MasterClient(replicaId, endpoint);
             ReplicaPool pool = ReplicaPool.open(replicaId, settings.root(), btrfs, new BtrfsFsCheck(btrfs));
             MasterClient tcpMaster = new MasterClient(replicaId, endpoint.withTransport(Transport.TCP));
             PullStepRunner tcpSteps = new PullStepRunner(replicaId, pool, tcpMaster,
                     ReplicaSettings.DEFAULT_PROGRESS_INTERVAL, Clock.systemUTC(),
                     settings.maxPullRate().map(Throttle::new));
             ReplicaSite site = new ReplicaSite(replicaId, pool, btrfs, identity, master,
                     sources -> new PullStepRunner(replicaId, pool, sources, ReplicaSettings.DEFAULT_PROGRESS_INTERVAL,
                             Clock.systemUTC(), settings.maxPullRate().map(Throttle::new)), tcpSteps, relay)) {
            out.println(SiteReply.ok(Map.of("pid", ProcessHandle.current().pid(),
                    "java", System.getProperty("java.version"))).render());
            out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                SiteReply reply;
                try {
                    reply = site.handle(line.strip().split(" "));
                } catch (Exception e) {
                    LOG.warn("bench replica site: '{}' failed", line, e);
                    reply = SiteReply.error(e.toString());
                }
                out.println(reply.render());
                out.flush();
            }
        }
        return 0;
    }

    private SiteReply handle(String[] words) throws IOException {
        return switch (words[0]) {
            case "pull" -> {
                if (words.length < 6 || words.length > 8) {
                    require(words, 6);
                }
                Transport transport = Transport.SSH;
                String source = Sources.MASTER;
                for (int i = 6; i < words.length; i++) {
                    if (words[i].startsWith("from=")) {
                        source = words[i].substring("from=".length());
                    } else {
                        transport = Transport.forCode(words[i]);
                    }
                }
                yield pull(words[1], Integer.parseInt(words[2]), words[3], Compression.forCode(words[4]), words[5],
                        transport, source);
            }
            case "probe" -> {
                require(words, 4);
                yield probe(words[1], Integer.parseInt(words[2]), Long.parseLong(words[3]));
            }
            case "cut" -> {
                require(words, 2);
                relay.orElseThrow(() -> new IllegalStateException("cut needs the site started with --relay"))
                        .cutAfter(Long.parseLong(words[1]));
                yield SiteReply.ok(Map.of());
            }
            case "serve" -> {
                require(words, 6);
                yield serve(words[1], Integer.parseInt(words[2]), Path.of(words[3]), Path.of(words[4]),
                        Path.of(words[5]));
            }
            case "peer" -> {
                require(words, 5);
                yield peer(words[1], words[2], Integer.parseInt(words[3]), Path.of(words[4]));
            }
            case "served" -> {
                require(words, 1);
                yield SiteReply.ok(Map.of("bytes", served.get()));
            }
            case "delete" -> {
                require(words, 3);
                VersionStore store = server.map(s -> s.droppingStreamsOf(pool)).orElse(pool);
                store.deleteVersion(words[1], Integer.parseInt(words[2]));
                yield SiteReply.ok(Map.of());
            }
            default -> SiteReply.error("unknown command " + words[0]);
        };
    }

    /**
     * Starts this replica's send service as the service does with {@code icbd.replica.serve.enabled}:
     * {@link PeerServer} over {@link PoolVersions}, counting the bytes it serves.
     */
    private SiteReply serve(String host, int maxDownstreams, Path hostKey, Path hostKeyPin, Path authorizedKeys)
            throws IOException {
        if (server.isPresent()) {
            throw new IllegalStateException("already serving on port " + server.get().server().port());
        }
        ServeConfig config = new ServeConfig(host, 0, host, hostKey, authorizedKeys,
                ReplicaSettings.Serve.DEFAULT_USER, maxDownstreams);
        SendObserver counting = new SendObserver() {
            @Override
            public void served(Compression compression, long bytes) {
                served.addAndGet(bytes);
            }
        };
        PeerServer started = PeerServer.start(replicaId, config, new PoolVersions(replicaId, pool, btrfs,
                new BtrfsFsCheck(btrfs)), counting);
        server = Optional.of(started);
        Files.writeString(hostKeyPin, started.server().hostKeyEntry() + "\n");
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("ssh", started.server().port());
        reply.put("fingerprint", started.announcement().hostKeyFingerprint());
        return SiteReply.ok(reply);
    }

    /**
     * Trusts the serving replica {@code id} at {@code host:port}, its host key pinned from {@code
     * hostKeyPin}, with this replica's own identity, as a configured peer of the service; the step
     * runner is rebuilt over the master and every peer trusted so far.
     */
    private SiteReply peer(String id, String host, int port, Path hostKeyPin) throws IOException {
        if (peers.containsKey(id)) {
            throw new IllegalStateException("peer " + id + " is trusted already");
        }
        PublicKey key = HostKeyPin.parse(Files.readString(hostKeyPin), host, port);
        peers.put(id, new MasterClient(replicaId, new MasterEndpoint(host, port, ReplicaSettings.Serve.DEFAULT_USER,
                key, identity, ReplicaSettings.Ssh.DEFAULT_CONNECT_TIMEOUT, ReplicaSettings.Ssh.DEFAULT_STALL_TIMEOUT)));
        steps.close();
        steps = runners.apply(new TrustedSources(replicaId, master, peers));
        return SiteReply.ok(Map.of());
    }

    @Override
    public void close() {
        steps.close();
        server.ifPresent(PeerServer::close);
        peers.values().forEach(MasterClient::close);
    }

    private static void require(String[] words, int count) {
        if (words.length != count) {
            throw new IllegalArgumentException(words[0] + " takes " + (count - 1) + " arguments, got "
                    + (words.length - 1));
        }
    }

    /**
     * One step through the production runner; the clock runs from the runner's start (the parent
     * check) to the promoted version. A delta's parent is the version this pool holds under
     * {@code parent}, named by its received uuid as a planner names it.
     */
    private SiteReply pull(String image, int version, String parent, Compression compression, String uuid,
                           Transport transport, String source) {
        PullStepRunner steps = transport == Transport.TCP ? tcpSteps : this.steps;
        TransferStep step;
        if (parent.equals("-")) {
            step = TransferStep.full(version, uuid);
        } else {
            int parentVersion = Integer.parseInt(parent);
            String parentUuid = pool.held(image).stream().filter(h -> h.version() == parentVersion)
                    .map(HeldVersion::receivedUuid).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the parent, version " + parentVersion + " of "
                            + image + ", is not in " + pool.versionsDir(image) + "; pull it first"));
            step = TransferStep.delta(parentVersion, parentUuid, version, uuid);
        }
        if (!source.equals(Sources.MASTER)) {
            step = step.from(source);
        }
        StepOrder order = new StepOrder(replicaId + "-step-" + stepCount.incrementAndGet(), image, step, compression);
        long start = System.nanoTime();
        long relayedBefore = relay.map(ChaosLink::bytesTowardsReplica).orElse(0L);
        long earlierWire = 0;
        for (int attempt = 1; ; attempt++) {
            StepResult result = steps.run(order, StepObserver.NONE, new AbortSignal());
            if (result instanceof StepResult.Applied applied) {
                SiteReply reply = applied(order, applied, attempt, earlierWire, System.nanoTime() - start);
                return relay.map(r -> reply.with("relayed", r.bytesTowardsReplica() - relayedBefore)).orElse(reply);
            }
            StepResult.Failed failed = (StepResult.Failed) result;
            earlierWire += failed.wireBytes();
            if (!failed.failure().isTransient() || attempt == MAX_ATTEMPTS) {
                return SiteReply.error(failed.failure().errorClass() + " after " + attempt + " attempts and "
                        + earlierWire + " bytes on the wire: " + failed.failure().getMessage());
            }
            LOG.info("bench replica site: {} failed after {} bytes on the wire ({}); attempt {} resumes",
                    order.describe(), failed.wireBytes(), failed.failure().getMessage(), attempt + 1);
        }
    }

    private SiteReply applied(StepOrder order, StepResult.Applied applied, int attempts, long earlierWire,
                              long nanos) {
        StepTimings t = applied.timings();
        long stream = applied.streamBytes().orElseThrow(() -> new IllegalStateException(
                "the step runner did not count the stream of " + order.describe()));
        LOG.info("bench replica site: {} promoted to {} (received uuid {}): {} bytes on the wire, {} of stream in {} ms",
                order.describe(), pool.versionDir(order.image(), applied.promoted().version()),
                applied.promoted().receivedUuid(), applied.wireBytes(), stream, t.total().toMillis());
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("wire", earlierWire + applied.wireBytes());
        reply.put("stream", stream);
        // The last attempt's own total when there was one attempt, so that the figure is the runner's.
        reply.put("nanos", attempts == 1 ? t.total().toNanos() : nanos);
        reply.put("connect", t.connect().toNanos());
        reply.put("transfer", t.transfer().toNanos());
        reply.put("promote", t.promote().toNanos());
        reply.put("cipher", CIPHER);
        reply.put("attempts", attempts);
        reply.put("source", applied.source());
        return SiteReply.ok(reply);
    }

    private static SiteReply probe(String host, int port, long bytes) throws IOException {
        long start = System.nanoTime();
        long read = 0;
        try (Socket socket = new Socket(host, port)) {
            new DataOutputStream(socket.getOutputStream()).writeLong(bytes);
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                read += n;
            }
        }
        long nanos = System.nanoTime() - start;
        if (read != bytes) {
            throw new IOException("probe of " + host + ":" + port + " delivered " + read + " of " + bytes + " bytes");
        }
        LOG.info("bench replica site: probe of {}:{}: {} bytes in {} ms", host, port, read, nanos / 1_000_000);
        return SiteReply.ok(Map.of("bytes", read, "nanos", nanos));
    }
}
