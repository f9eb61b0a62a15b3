package org.icbd.rcs.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.icbd.rcs.bench.dataset.AdminUpdate;
import org.icbd.rcs.bench.dataset.Dataset;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.bench.peer.Btrbk;
import org.icbd.rcs.bench.peer.BtrbkConfig;
import org.icbd.rcs.bench.peer.PeerPackages;
import org.icbd.rcs.bench.peer.PrivateSshd;
import org.icbd.rcs.btrfs.BtrfsTool;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.btrfs.SubvolumeInfo;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.transfer.Transport;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication benchmark: one image of generated content on a master pool, version 1 and an
 * admin-like version 2, then full and delta steps measured, each case several times, repetitions
 * interleaved so that a change of load on the host hits every case alike:
 * <ul>
 *   <li>{@link Route#RAW}: {@code btrfs send | btrfs receive} into a second pool (and {@code btrfs
 *       send} alone, to show what btrfs produces);
 *   <li>{@link Route#LOOPBACK}: the master's SSH send service and the replica's step runner in two
 *       child JVMs ({@link MasterSite}, {@link ReplicaSite}), over the loopback interface, without and
 *       with LZ4;
 *   <li>{@link Route#LINK}: the same with the replica in its own network namespace, joined to the
 *       master's by a veth pair shaped with a token bucket;
 *   <li>{@link Route#OPENSSH}, {@link Route#BTRBK}: the peers, through a {@link PrivateSshd} on loopback.
 * </ul>
 * Every case but the bare raw pipe ends with the same write-back of the replica pool, counted in its
 * time, so that its ratio to the raw pipe with that write-back compares like with like.
 *
 * <p>Everything it creates lives under {@code <workDir>/run-<pid>/} and in namespaces named after
 * its pid; {@link #close()} removes all of it (pools, child JVMs and their btrfs processes,
 * namespaces), and runs from a shutdown hook too, so that Ctrl-C leaves nothing behind. A run that
 * died harder (SIGKILL) is swept by the next one: its pid is gone.
 */
public final class Bench implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Bench.class);

    static final String IMAGE = "bench";
    static final String WARM_UP_IMAGE = "warm-up";
    private static final long WARM_UP_BYTES = 64L << 20;
    private static final Pattern RUN_DIR = Pattern.compile("run-(\\d+)");
    private static final Pattern NAMESPACE = Pattern.compile("icbd-bench-[mr]-(\\d+)");
    private static final Duration SITE_START = Duration.ofMinutes(2);
    private static final Duration COMMAND = Duration.ofMinutes(5);
    private static final Duration CLEANUP_WAIT = Duration.ofMinutes(2);
    private static final long TARGET_RSS_BYTES = 512L << 20;
    private static final double TARGET_LOOPBACK_RATIO = 1.25;
    private static final double TARGET_LZ4_SPEEDUP = 1.5;
    private static final double TARGET_BTRBK_SPEEDUP = 1.5;
    private static final double TARGET_OPENSSH_RATIO = 1.1;
    private static final double TARGET_CPU_PER_GB = 3.5;
    private static final double TARGET_LINK_FULL_FLOOR_RATIO = 1.1;
    private static final double TARGET_LINK_DELTA_FLOOR_RATIO = 1.3;
    /** The raw pipe with its write-back: what every other case's seconds (which end with the same) are held against. */
    static final String RAW_FLUSHED = "raw send|receive+flush";
    private static final Duration SSHD_SESSION_END = Duration.ofSeconds(10);
    /** Replicas pulling the same delta at once in the fanout case. */
    static final int FANOUT = 4;
    /** The name of the fanout site's serving replica's pool, under the run's directory. */
    private static final String PEER_POOL = "site-peer";
    private static final double TARGET_FANOUT_CPU_RATIO = 1.2;
    private static final double TARGET_RESUME_WIRE_RATIO = 1.1;
    /** What a probe reads from a {@link ProbeServer}: about three seconds at the link's rate. */
    private static final double PROBE_SECONDS = 3.0;
    /** The phases of a sample in the order they happen: a step's, then the raw pipe's. */
    private static final List<String> PHASES = List.of("connect", "transfer", "promote", "pipe", "flush");

    private final BenchSettings settings;
    private final CommandRunner runner = new CommandRunner();
    private final BtrfsTool btrfs = new BtrfsTool(runner, Duration.ofMinutes(10));
    private final long pid = ProcessHandle.current().pid();
    private final Path runDir;
    private final Path logs;
    private final Path masterFile;
    private final Path masterMount;
    private final Path replicaFile;
    private final Path replicaMount;
    /**
     * The pool of the fanout site's serving replica, apart from the others': on one filesystem with
     * them, {@code btrfs receive} could take another replica's copy of version 1 as its delta's parent,
     * and the serving replica's version 2 would then share no extents with its own version 1.
     */
    private final Path peerFile;
    private final Path peerMount;
    private final Duration stepTimeout;
    private final RawPipe raw;
    private final List<SiteProcess> sites = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private final Thread shutdownHook;
    private final List<Double> loadSamples = new ArrayList<>();
    /** The stream size of the full (false) and the delta (true) step: btrfs sends the same stream every time. */
    private final Map<Boolean, Long> streamBytes = new ConcurrentHashMap<>();
    /** Per fanout width, the {@code btrfs send} runs of the master's store during each measurement. */
    private final Map<Integer, List<Long>> fanoutSends = new ConcurrentHashMap<>();
    /** Per fanout case, what each source served the site in each measurement. */
    private final Map<String, List<SiteServed>> fanoutServed = new ConcurrentHashMap<>();
    private volatile ShapedLink link;
    private volatile PrivateSshd sshd;
    private volatile Btrbk btrbk;
    /** The java.version the master and replica sites reported. */
    private final Map<String, String> siteJava = new ConcurrentHashMap<>();
    /** The size of a step's stream as {@code lz4 -c} compresses it (btrbk's stream_compress lz4). */
    private final Map<Boolean, Long> lz4StreamBytes = new ConcurrentHashMap<>();
    private volatile boolean succeeded;

    public Bench(BenchSettings settings) {
        this.settings = settings;
        this.runDir = settings.workDir().toAbsolutePath().normalize().resolve("run-" + pid);
        this.logs = runDir.resolve("logs");
        this.masterFile = runDir.resolve("master.img");
        this.masterMount = runDir.resolve("master");
        this.replicaFile = runDir.resolve("replica.img");
        this.replicaMount = runDir.resolve("replica");
        this.peerFile = runDir.resolve(PEER_POOL + ".img");
        this.peerMount = runDir.resolve(PEER_POOL);
        // Generous: a stalled step fails the run, a slow one must not.
        this.stepTimeout = Duration.ofSeconds(Math.max(600, settings.datasetBytes() / 5_000_000));
        this.raw = new RawPipe(logs, stepTimeout);
        this.shutdownHook = new Thread(this::close, "bench-cleanup");
    }

    /**
     * Runs every selected case {@code repeat} times and returns the report; {@code progress}
     * receives one line per stage and per measurement.
     */
    public BenchReport run(Consumer<String> progress) {
        try {
            return measure(progress);
        } catch (RuntimeException e) {
            if (closed.get()) {
                // The shutdown hook (a signal) closed everything under the running measurement.
                throw new IllegalStateException("stopped by a signal; the pools, JVMs and namespaces it created are "
                        + "removed, the logs kept in " + logs, e);
            }
            throw e;
        }
    }

    private BenchReport measure(Consumer<String> progress) {
        Instant startedAt = Instant.now();
        long t0 = System.nanoTime();
        String loadBefore = loadAverage();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        sweep(settings.workDir(), runner);
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logs + ": " + e.getMessage(), e);
        }
        long poolBytes = Math.max(LoopPool.MIN_SIZE_BYTES, 2 * settings.datasetBytes() + (1L << 30));
        LoopPool.create(masterFile, masterMount, poolBytes).keepAfterExit();
        // The fanout replicas keep version 1 each while the delta arrives; a step stages its stream file too.
        long replicaPoolBytes = settings.routes().contains(Route.FANOUT)
                ? Math.max(poolBytes, (FANOUT + 3) * settings.datasetBytes() + (1L << 30)) : poolBytes;
        LoopPool.create(replicaFile, replicaMount, replicaPoolBytes).keepAfterExit();
        if (settings.routes().contains(Route.FANOUT)) {
            LoopPool.create(peerFile, peerMount, poolBytes).keepAfterExit();
        }

        progress.accept(String.format(Locale.ROOT, "generating %s of image content on %s",
                bytes(settings.datasetBytes()), masterMount));
        ImageRepository repository = new ImageRepository(masterMount, runner);
        Path work = repository.init(IMAGE);
        Dataset dataset = DatasetGenerator.generate(work, DatasetSpec.ofTotal(settings.seed(), settings.datasetBytes()));
        ImageVersion v1 = repository.snapshotNext(IMAGE);
        AdminUpdate update = DatasetGenerator.adminUpdate(work, settings.seed() + 1, settings.updateFraction());
        ImageVersion v2 = repository.snapshotNext(IMAGE);
        sync();
        Versions versions = new Versions(v1, v2);

        Map<String, Object> linkInfo = null;
        Optional<MasterHandle> master = Optional.empty();
        List<ReplicaHandle> replicas = new ArrayList<>();
        Optional<StreamCases> streamCases = Optional.empty();
        if (settings.routes().stream().anyMatch(Route::isSystem)) {
            Path keys = createKeys();
            if (settings.routes().contains(Route.LINK)) {
                link = ShapedLink.create(runner, Long.toString(pid), ShapedLink.parseRate(settings.rate()),
                        settings.linkGro());
            }
            Optional<String> masterNs = Optional.ofNullable(link).map(ShapedLink::masterNamespace);
            MasterHandle m = startMaster(keys, masterNs);
            master = Optional.of(m);
            if (settings.routes().contains(Route.LOOPBACK)) {
                // In the master's namespace (the host's when there is no link): loopback either way.
                replicas.add(startReplica(Route.LOOPBACK, masterNs, "127.0.0.1", m.sshPort(), keys));
            }
            if (link != null) {
                replicas.add(startReplica(Route.LINK, Optional.of(link.replicaNamespace()), ShapedLink.MASTER_ADDRESS,
                        m.sshPort(), keys));
            }
            linkInfo = probe(replicas, m.probePort(), progress);
            ImageVersion warmUpVersion = warmUp(repository, replicas, progress);
            streamCases = Optional.of(startStreamCases(masterNs, m.sshPort(), keys, versions, warmUpVersion,
                    progress));
        }

        Optional<Peers> peers = settings.routes().stream().anyMatch(Route::isPeer)
                ? Optional.of(startPeers(progress)) : Optional.empty();

        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Map<String, String[]> caseKeys = new LinkedHashMap<>();
        for (int rep = 1; rep <= settings.repeat(); rep++) {
            String of = rep + "/" + settings.repeat();
            if (settings.routes().contains(Route.RAW)) {
                for (boolean delta : new boolean[] {false, true}) {
                    record(samples, caseKeys, "btrfs send only", "raw", "none", delta,
                            measureSendOnly(versions, delta), of, progress);
                }
                Path into = directory(replicaMount.resolve("raw"));
                for (boolean delta : new boolean[] {false, true}) {
                    Sample pipe = measureRaw(versions, delta, into);
                    record(samples, caseKeys, "raw send|receive", "raw", "none", delta, pipe, of, progress);
                    record(samples, caseKeys, RAW_FLUSHED, "raw", "none", delta, pipe.withSeconds(pipe.seconds()
                            + pipe.phases().get("flush")), of, progress);
                }
                deleteSubvolumes(into.resolve("2"), into.resolve("1"));
            }
            for (ReplicaHandle replica : replicas) {
                for (Compression compression : List.of(Compression.NONE, Compression.LZ4, Compression.ZSTD)) {
                    String c = compression.code();
                    Map<String, Long> pids = Map.of("master", master.orElseThrow().pid(), "replica", replica.pid());
                    for (boolean delta : new boolean[] {false, true}) {
                        record(samples, caseKeys, replica.route().code() + " " + c, replica.route().code(), c, delta,
                                measureStep(replica, compression, versions, delta, pids), of, progress);
                    }
                    Path versionsDir = replica.root().resolve("images").resolve(IMAGE).resolve("versions");
                    deleteSubvolumes(versionsDir.resolve("2"), versionsDir.resolve("1"));
                }
                // transport=tcp, without compression: the request over SSH, the stream's bytes over plain TCP.
                Map<String, Long> pids = Map.of("master", master.orElseThrow().pid(), "replica", replica.pid());
                for (boolean delta : new boolean[] {false, true}) {
                    record(samples, caseKeys, replica.route().code() + " tcp", replica.route().code(), "none", delta,
                            measureStep(replica, Compression.NONE, Transport.TCP, versions, delta, pids), of,
                            progress);
                }
                Path versionsDir = replica.root().resolve("images").resolve(IMAGE).resolve("versions");
                deleteSubvolumes(versionsDir.resolve("2"), versionsDir.resolve("1"));
            }
            if (peers.isPresent()) {
                measurePeers(peers.get(), versions, samples, caseKeys, of, progress);
            }
            if (streamCases.isPresent()) {
                measureStreamCases(streamCases.get(), master.orElseThrow(), repository, versions, samples, caseKeys,
                        of, progress);
            }
        }

        List<CaseResult> cases = summarise(samples, caseKeys);
        Map<String, Object> machine = machine(loadBefore);
        Map<String, Object> datasetInfo = datasetInfo(dataset, update, versions);
        BenchReport report = new BenchReport(startedAt, (System.nanoTime() - t0) / 1e9, settingsInfo(), machine,
                datasetInfo, Optional.ofNullable(linkInfo), cases, targets(cases, settings.maxPullRate(), fanoutSends,
                fanoutServed, Optional.ofNullable(linkInfo)));
        succeeded = true;
        return report;
    }

    /** The two versions on the master: a full step sends {@code v1}, a delta {@code v2} from {@code v1}. */
    private record Versions(ImageVersion v1, ImageVersion v2) {
        ImageVersion target(boolean delta) {
            return delta ? v2 : v1;
        }
    }

    private record MasterHandle(SiteProcess process, long pid, int sshPort, int probePort) {
    }

    private record ReplicaHandle(Route route, SiteProcess process, long pid, Path root, String masterHost) {
    }

    /** The replica's key pair, made by the stock ssh-keygen as an operator would, and the master's authorized_keys. */
    private Path createKeys() {
        Path keys = directory(runDir.resolve("keys"));
        Path identity = keys.resolve("replica");
        runner.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "icbd-bench-replica", "-f",
                identity.toString()), COMMAND);
        try {
            Files.copy(keys.resolve("replica.pub"), keys.resolve("authorized_keys"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + keys.resolve("authorized_keys") + ": " + e.getMessage(), e);
        }
        return keys;
    }

    private MasterHandle startMaster(Path keys, Optional<String> netns) {
        String host = netns.isPresent() ? "0.0.0.0" : "127.0.0.1";
        SiteProcess process = SiteProcess.start("master", netns, settings.siteJava(), settings.siteJvmOptions(),
                List.of("bench", "master-site",
                "--pool", masterMount.toString(), "--host", host,
                "--host-key", keys.resolve("host_key").toString(),
                "--host-key-pin", keys.resolve("host_key.pin").toString(),
                "--authorized-keys", keys.resolve("authorized_keys").toString()), logs.resolve("master.log"));
        sites.add(process);
        SiteReply ready = process.awaitReply(SITE_START);
        if (!ready.ok()) {
            throw new IllegalStateException("the master site did not start: " + ready.error());
        }
        siteJava.put("master", ready.text("java"));
        return new MasterHandle(process, ready.number("pid"), (int) ready.number("ssh"), (int) ready.number("probe"));
    }

    private ReplicaHandle startReplica(Route route, Optional<String> netns, String masterHost, int sshPort, Path keys) {
        return startReplica(route, route.code(), netns, masterHost, sshPort, keys, List.of());
    }

    /** A replica site named {@code replica-<tag>} over {@code <replica pool>/<tag>}, with {@code extra} site flags. */
    private ReplicaHandle startReplica(Route route, String tag, Optional<String> netns, String masterHost, int sshPort,
                                       Path keys, List<String> extra) {
        return awaitReplica(launchReplica(route, tag, replicaMount, netns, masterHost, sshPort, keys, extra));
    }

    /** A replica site launched, its ready line not yet read: several start at once. */
    private record LaunchedReplica(Route route, SiteProcess process, Path root, String masterHost) {
    }

    /** A replica site named {@code replica-<tag>} over {@code <pool>/<tag>}, launched. */
    private LaunchedReplica launchReplica(Route route, String tag, Path pool, Optional<String> netns,
                                          String masterHost, int sshPort, Path keys, List<String> extra) {
        Path root = directory(pool.resolve(tag));
        List<String> args = new ArrayList<>(List.of("bench", "replica-site",
                "--root", root.toString(), "--master-host", masterHost, "--master-port", Integer.toString(sshPort),
                "--host-key-pin", keys.resolve("host_key.pin").toString(),
                "--identity", keys.resolve("replica").toString()));
        args.addAll(extra);
        String name = "replica-" + tag;
        SiteProcess process = SiteProcess.start(name, netns, settings.siteJava(), settings.siteJvmOptions(), args,
                logs.resolve(name + ".log"));
        sites.add(process);
        return new LaunchedReplica(route, process, root, masterHost);
    }

    private ReplicaHandle awaitReplica(LaunchedReplica launched) {
        SiteReply ready = launched.process().awaitReply(SITE_START);
        if (!ready.ok()) {
            throw new IllegalStateException("the " + launched.process().name() + " site did not start: "
                    + ready.error());
        }
        siteJava.put("replica", ready.text("java"));
        return new ReplicaHandle(launched.route(), launched.process(), ready.number("pid"), launched.root(),
                launched.masterHost());
    }

    /** Plain TCP from the master's probe source to each replica: what the path itself delivers. */
    private Map<String, Object> probe(List<ReplicaHandle> replicas, int probePort, Consumer<String> progress) {
        Map<String, Object> info = null;
        for (ReplicaHandle replica : replicas) {
            long bytes = replica.route() == Route.LINK
                    ? Math.max(16L << 20, (long) (ShapedLink.parseRate(settings.rate()) / 8 * PROBE_SECONDS))
                    : 1L << 30;
            ShapedLink.QdiscCounters before = replica.route() == Route.LINK ? link.counters() : null;
            SiteReply r = replica.process().request("probe " + replica.masterHost() + " " + probePort + " " + bytes,
                    COMMAND);
            if (!r.ok()) {
                throw new IllegalStateException("the TCP probe from " + replica.masterHost() + " failed: " + r.error());
            }
            double seconds = r.number("nanos") / 1e9;
            double mbps = r.number("bytes") / seconds / 1e6;
            progress.accept(String.format(Locale.ROOT, "TCP probe %s: %s in %.2f s = %.1f MB/s", replica.route().code(),
                    bytes(bytes), seconds, mbps));
            if (replica.route() == Route.LINK) {
                ShapedLink.QdiscCounters sent = link.counters().minus(before);
                info = new LinkedHashMap<>();
                info.put("rate", settings.rate());
                info.put("rateBitsPerSecond", link.rateBitsPerSecond());
                info.put("burstBytes", link.burstBytes());
                info.put("latencyMillis", ShapedLink.LATENCY_MILLIS);
                info.put("qdisc", link.qdisc());
                info.put("probeBytes", bytes);
                info.put("probeSeconds", seconds);
                info.put("probeMBps", mbps);
                info.put("probeLinkBytes", sent.bytes());
                info.put("probeDropped", sent.dropped());
                info.put("summary", String.format(Locale.ROOT,
                        "tbf rate %s (%.1f MB/s), burst %d B, latency %d ms; plain TCP through it: %.1f MB/s "
                                + "(%.0f%% of the rate), %d packets dropped; applied: %s",
                        settings.rate(), link.rateBitsPerSecond() / 8e6, link.burstBytes(), ShapedLink.LATENCY_MILLIS,
                        mbps, 100 * mbps / (link.rateBitsPerSecond() / 8e6), sent.dropped(),
                        link.qdisc().replaceAll("\\s+", " ")));
            }
        }
        return info;
    }

    /**
     * One untimed full step of a small image per replica JVM and compression, so that the first
     * measured step does not pay for class loading and JIT compilation in either JVM.
     */
    private ImageVersion warmUp(ImageRepository repository, List<ReplicaHandle> replicas, Consumer<String> progress) {
        Path work = repository.init(WARM_UP_IMAGE);
        DatasetGenerator.generate(work, DatasetSpec.ofTotal(settings.seed() + 2, WARM_UP_BYTES));
        ImageVersion version = repository.snapshotNext(WARM_UP_IMAGE);
        long start = System.nanoTime();
        for (ReplicaHandle replica : replicas) {
            for (Compression compression : List.of(Compression.NONE, Compression.LZ4, Compression.ZSTD)) {
                String command = "pull " + WARM_UP_IMAGE + " " + version.version() + " - " + compression.code() + " "
                        + version.uuid();
                SiteReply reply = replica.process().request(command, stepTimeout);
                if (!reply.ok()) {
                    throw new IllegalStateException(replica.process().name() + ": warm-up `" + command + "` failed: "
                            + reply.error());
                }
                deleteSubvolumes(replica.root().resolve("images").resolve(WARM_UP_IMAGE).resolve("versions")
                        .resolve(Integer.toString(version.version())));
            }
        }
        progress.accept(String.format(Locale.ROOT, "warmed up the site JVMs with %d untimed steps of %s in %.1f s",
                3 * replicas.size(), bytes(WARM_UP_BYTES), (System.nanoTime() - start) / 1e9));
        return version;
    }

    /** One untimed full step of the warm-up image, without compression, as {@link #warmUp} does. */
    private void warmUp(ReplicaHandle replica, ImageVersion version) {
        String command = "pull " + WARM_UP_IMAGE + " " + version.version() + " - none " + version.uuid();
        SiteReply reply = replica.process().request(command, stepTimeout);
        if (!reply.ok()) {
            throw new IllegalStateException(replica.process().name() + ": warm-up `" + command + "` failed: "
                    + reply.error());
        }
        deleteSubvolumes(replica.root().resolve("images").resolve(WARM_UP_IMAGE).resolve("versions")
                .resolve(Integer.toString(version.version())));
    }

    /** The replica sites of the stream cases, each present when its case is selected. */
    private record StreamCases(List<ReplicaHandle> fanout, Optional<ReplicaHandle> resume,
                               Optional<ReplicaHandle> cap) {
    }

    /**
     * Starts the sites of the selected stream cases next to the loopback replica (in the master's
     * namespace): {@value #FANOUT} fanout replicas, each given version 1 untimed (their delta's
     * parent), the first serving the others ({@link #startSitePeer}); the resume replica behind a relay
     * it can cut; the capped replica.
     */
    private StreamCases startStreamCases(Optional<String> masterNs, int sshPort, Path keys, Versions versions,
                                         ImageVersion warmUpVersion, Consumer<String> progress) {
        List<ReplicaHandle> fanout = new ArrayList<>();
        if (settings.routes().contains(Route.FANOUT)) {
            long start = System.nanoTime();
            List<LaunchedReplica> launched = new ArrayList<>();
            for (int i = 1; i <= FANOUT; i++) {
                // The first, which serves the others, on a pool of its own.
                launched.add(launchReplica(Route.FANOUT, "fanout-" + i, i == 1 ? peerMount : replicaMount, masterNs,
                        "127.0.0.1", sshPort, keys, List.of()));
            }
            launched.forEach(l -> fanout.add(awaitReplica(l)));
            // Version 1 is a full step without compression, as the warm-up's: it warms each JVM up as well.
            atOnce(fanout, "version 1", replica -> pull(replica, versions, false, Compression.NONE));
            progress.accept(String.format(Locale.ROOT, "started the %d fanout replicas and gave them version 1 "
                    + "(untimed, at once) in %.1f s", FANOUT, (System.nanoTime() - start) / 1e9));
            startSitePeer(fanout, keys, progress);
        }
        Optional<ReplicaHandle> resume = settings.routes().contains(Route.RESUME)
                ? Optional.of(startReplica(Route.RESUME, "resume", masterNs, "127.0.0.1", sshPort, keys,
                List.of("--relay"))) : Optional.empty();
        Optional<ReplicaHandle> cap = settings.routes().contains(Route.CAP)
                ? Optional.of(startReplica(Route.CAP, "cap", masterNs, "127.0.0.1", sshPort, keys,
                List.of("--max-pull-rate", Long.toString(settings.maxPullRate())))) : Optional.empty();
        resume.ifPresent(r -> warmUp(r, warmUpVersion));
        cap.ifPresent(r -> warmUp(r, warmUpVersion));
        return new StreamCases(fanout, resume, cap);
    }

    /**
     * The fanout replicas as one site whose first replica serves the others: it starts its own send
     * service (its own host key, the site's replica key authorized, {@value #FANOUT}-1 downstreams at
     * once, so that the planner would route all of them to it), and the others trust it as source
     * {@code <its site name>}, its host key pinned.
     */
    private void startSitePeer(List<ReplicaHandle> fanout, Path keys, Consumer<String> progress) {
        ReplicaHandle serving = fanout.get(0);
        Path pin = keys.resolve("peer_host_key.pin");
        SiteReply served = serving.process().request("serve 127.0.0.1 " + (FANOUT - 1) + " "
                + keys.resolve("peer_host_key") + " " + pin + " " + keys.resolve("authorized_keys"), COMMAND);
        if (!served.ok()) {
            throw new IllegalStateException(serving.process().name() + ": serve failed: " + served.error());
        }
        for (ReplicaHandle replica : fanout.subList(1, fanout.size())) {
            SiteReply trusted = replica.process().request("peer " + serving.process().name() + " 127.0.0.1 "
                    + served.number("ssh") + " " + pin, COMMAND);
            if (!trusted.ok()) {
                throw new IllegalStateException(replica.process().name() + ": peer failed: " + trusted.error());
            }
        }
        progress.accept(String.format(Locale.ROOT, "%s serves the other %d fanout replicas on 127.0.0.1:%d (host key "
                + "%s)", serving.process().name(), FANOUT - 1, served.number("ssh"), served.text("fingerprint")));
    }

    /** {@code action} for each of {@code replicas} at once, in a thread each; the first failure fails the run. */
    private static void atOnce(List<ReplicaHandle> replicas, String what, Consumer<ReplicaHandle> action) {
        List<RuntimeException> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (ReplicaHandle replica : replicas) {
            Thread t = new Thread(() -> {
                try {
                    action.accept(replica);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }, "bench-" + replica.process().name());
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + replicas.size() + " replicas pulled " + what, e);
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(what + " at once to " + replicas.size() + " replicas: "
                    + failures.get(0).getMessage(), failures.get(0));
        }
    }

    /** The master's stream store's productions ({@code btrfs send} runs) so far. */
    private long storeProductions(MasterHandle master) {
        SiteReply reply = master.process().request("store", COMMAND);
        if (!reply.ok()) {
            throw new IllegalStateException("the master site did not answer `store`: " + reply.error());
        }
        return reply.number("productions");
    }

    /** One step pulled by {@code replica}, failing the run when it fails. */
    private SiteReply pull(ReplicaHandle replica, Versions versions, boolean delta, Compression compression) {
        return pull(replica, versions, delta, compression, Optional.empty());
    }

    /** One step pulled by {@code replica}, from the trusted peer {@code from} when given, else from the master. */
    private SiteReply pull(ReplicaHandle replica, Versions versions, boolean delta, Compression compression,
                           Optional<ReplicaHandle> from) {
        ImageVersion target = versions.target(delta);
        String command = "pull " + IMAGE + " " + target.version() + " " + (delta ? versions.v1().version() : "-") + " "
                + compression.code() + " " + target.uuid() + from.map(f -> " from=" + f.process().name()).orElse("");
        SiteReply reply = replica.process().request(command, stepTimeout);
        if (!reply.ok()) {
            throw new IllegalStateException(replica.process().name() + ": `" + command + "` failed: " + reply.error());
        }
        return reply;
    }

    private void deleteReceived(ReplicaHandle replica, int version) {
        deleteSubvolumes(replica.root().resolve("images").resolve(IMAGE).resolve("versions")
                .resolve(Integer.toString(version)));
    }

    /**
     * One repetition of each selected stream case:
     * <ul>
     *   <li>fanout: the delta pulled by one replica, then by {@value #FANOUT} at once, each time from a
     *       master that no longer stores it (its stored streams of version 2 deleted first), so both
     *       pay for one {@code btrfs send}; then through a peer ({@code fanout peer 4}): the first
     *       replica pulls it from the master, then the other {@value #FANOUT}-1 at once from it;
     *   <li>resume: a full step through the relay uncut, then cut once it has carried half the uncut
     *       step's bytes and resumed by the next attempt; the stream is stored on the master already,
     *       for both (an untimed pull first, in the first repetition);
     *   <li>cap: a full step under the replica's pull cap.
     * </ul>
     */
    private void measureStreamCases(StreamCases cases, MasterHandle master, ImageRepository repository,
                                    Versions versions, Map<String, List<Sample>> samples,
                                    Map<String, String[]> caseKeys, String of, Consumer<String> progress) {
        if (!cases.fanout().isEmpty()) {
            for (int count : new int[] {1, FANOUT}) {
                repository.deleteStoredStreams(IMAGE, versions.v2().version());
                List<ReplicaHandle> pulling = cases.fanout().subList(0, count);
                long productions = storeProductions(master);
                String name = "fanout " + count;
                record(samples, caseKeys, name, Route.FANOUT.code(), "none", true,
                        measureFanout(name, Optional.empty(), pulling, master, versions), of, progress);
                fanoutSends.computeIfAbsent(count, c -> new ArrayList<>()).add(storeProductions(master) - productions);
                pulling.forEach(r -> deleteReceived(r, versions.v2().version()));
                syncPeerPool();
            }
            measureFanoutPeer(cases.fanout(), master, repository, versions, samples, caseKeys, of, progress);
        }
        if (cases.resume().isPresent()) {
            ReplicaHandle replica = cases.resume().get();
            if (!samples.containsKey("resume uncut|full")) {
                pull(replica, versions, false, Compression.NONE);
                deleteReceived(replica, versions.v1().version());
            }
            Sample uncut = measureRelayed(replica, master, versions, Optional.empty());
            record(samples, caseKeys, "resume uncut", Route.RESUME.code(), "none", false, uncut, of, progress);
            deleteReceived(replica, versions.v1().version());
            Sample cut = measureRelayed(replica, master, versions, Optional.of(uncut.linkBytes().orElseThrow() / 2));
            record(samples, caseKeys, "resume cut", Route.RESUME.code(), "none", false, cut, of, progress);
            deleteReceived(replica, versions.v1().version());
        }
        if (cases.cap().isPresent()) {
            ReplicaHandle replica = cases.cap().get();
            record(samples, caseKeys, "cap none", Route.CAP.code(), "none", false,
                    measureStep(replica, Compression.NONE, versions, false,
                            Map.of("master", master.pid(), "replica", replica.pid())), of, progress);
            deleteReceived(replica, versions.v1().version());
        }
    }

    /**
     * {@code fanout peer 4}: the delta, no longer stored on the master, pulled by the site's serving
     * replica from the master, then by the other {@value #FANOUT}-1 at once from it; then deleted
     * everywhere again, the serving replica's stored streams of it with it (as its retention does).
     */
    private void measureFanoutPeer(List<ReplicaHandle> fanout, MasterHandle master, ImageRepository repository,
                                   Versions versions, Map<String, List<Sample>> samples,
                                   Map<String, String[]> caseKeys, String of, Consumer<String> progress) {
        repository.deleteStoredStreams(IMAGE, versions.v2().version());
        ReplicaHandle serving = fanout.get(0);
        long servedBefore = served(serving);
        String name = "fanout peer " + FANOUT;
        record(samples, caseKeys, name, Route.FANOUT.code(), "none", true,
                measureFanout(name, Optional.of(serving), fanout.subList(1, fanout.size()), master, versions), of,
                progress);
        List<SiteServed> measured = fanoutServed.get(name);
        progress.accept(String.format(Locale.ROOT, "%s %s: bytes by source %s; %s's send service counted %d",
                of, name, measured.get(measured.size() - 1).wireBySource(), serving.process().name(),
                served(serving) - servedBefore));
        SiteReply deleted = serving.process().request("delete " + IMAGE + " " + versions.v2().version(), COMMAND);
        if (!deleted.ok()) {
            throw new IllegalStateException(serving.process().name() + ": delete failed: " + deleted.error());
        }
        syncPeerPool();
        fanout.subList(1, fanout.size()).forEach(r -> deleteReceived(r, versions.v2().version()));
    }

    /** As {@link #deleteSubvolumes} does for the replica pool: the cleaner done before the next measurement. */
    private void syncPeerPool() {
        runner.run(List.of("btrfs", "filesystem", "sync", peerMount.toString()), COMMAND);
        runner.run(List.of("btrfs", "subvolume", "sync", peerMount.toString()), COMMAND);
    }

    /** The bytes {@code replica}'s send service served so far. */
    private long served(ReplicaHandle replica) {
        SiteReply reply = replica.process().request("served", COMMAND);
        if (!reply.ok()) {
            throw new IllegalStateException(replica.process().name() + ": served failed: " + reply.error());
        }
        return reply.number("bytes");
    }

    /**
     * The delta pulled by every replica of {@code pulling} at once, from the master, or from {@code
     * peer} once it pulled it from the master; the sample's bytes are their sums (the peer's step
     * included), its seconds the time until the last one promoted, its CPU the master's and all
     * replicas' together. What each source served is kept under {@code name}.
     */
    private Sample measureFanout(String name, Optional<ReplicaHandle> peer, List<ReplicaHandle> pulling,
                                 MasterHandle master, Versions versions) {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("master", master.pid());
        peer.ifPresent(r -> pids.put(r.process().name(), r.pid()));
        pulling.forEach(r -> pids.put(r.process().name(), r.pid()));
        sync();
        List<SiteReply> replies = new CopyOnWriteArrayList<>();
        ProcessSampler.Observed observed;
        long start = System.nanoTime();
        try (ProcessSampler sampler = new ProcessSampler(pids)) {
            if (peer.isPresent()) {
                replies.add(pull(peer.get(), versions, true, Compression.NONE));
            }
            atOnce(pulling, "the delta", replica -> replies.add(pull(replica, versions, true, Compression.NONE, peer)));
            observed = sampler.stop();
        }
        long nanos = System.nanoTime() - start;
        Map<String, Double> cpu = new LinkedHashMap<>();
        Map<String, Long> rss = new LinkedHashMap<>();
        observed.cpuSeconds().forEach((group, seconds) -> cpu.merge(
                group.startsWith("replica-") ? group.replaceFirst("^replica-fanout-\\d+", "replica") : group,
                seconds, Double::sum));
        observed.peakRss().forEach((site, bytes) -> rss.merge(
                site.startsWith("replica-") ? "replica" : site, bytes, Math::max));
        long wire = replies.stream().mapToLong(r -> r.number("wire")).sum();
        long stream = replies.stream().mapToLong(r -> r.number("stream")).sum();
        fanoutServed.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(SiteServed.of(replies));
        return new Sample(nanos / 1e9, wire, stream, Map.of(), rss, cpu, Optional.empty(), Optional.empty());
    }

    /**
     * A full step through the resume replica's relay, cut once at {@code cutAt} bytes when given; the
     * sample's link bytes are what the relay carried from the master, every attempt counted.
     */
    private Sample measureRelayed(ReplicaHandle replica, MasterHandle master, Versions versions,
                                  Optional<Long> cutAt) {
        cutAt.ifPresent(bytes -> {
            SiteReply planned = replica.process().request("cut " + bytes, stepTimeout);
            if (!planned.ok()) {
                throw new IllegalStateException(replica.process().name() + ": cut failed: " + planned.error());
            }
        });
        sync();
        SiteReply reply;
        ProcessSampler.Observed observed;
        try (ProcessSampler sampler = new ProcessSampler(Map.of("master", master.pid(), "replica", replica.pid()))) {
            reply = pull(replica, versions, false, Compression.NONE);
            observed = sampler.stop();
        }
        if (cutAt.isPresent() && reply.number("attempts") < 2) {
            LOG.warn("resume case: the step completed in one attempt; the planned cut at {} bytes did not happen",
                    cutAt.get());
        }
        Map<String, Double> phases = new LinkedHashMap<>();
        for (String phase : List.of("connect", "transfer", "promote")) {
            phases.put(phase, reply.number(phase) / 1e9);
        }
        return new Sample(reply.number("nanos") / 1e9, reply.number("wire"), reply.number("stream"), phases,
                observed.peakRss(), observed.cpuSeconds(), Optional.of(reply.number("relayed")),
                Optional.of(reply.text("cipher") + ", " + reply.text("attempts") + " attempts"));
    }

    /** The peer cases' set-up: the private sshd, and btrbk's namespace and configurations. */
    private record Peers(Optional<Path> btrbkPlain, Optional<Path> btrbkLz4) {
    }

    /**
     * Installs what the selected peer cases need when missing, starts the private sshd (and btrbk's
     * namespace), and writes btrbk's two configurations: one plain, one with {@code stream_compress lz4}.
     */
    private Peers startPeers(Consumer<String> progress) {
        boolean withBtrbk = settings.routes().contains(Route.BTRBK);
        PeerPackages.ensure(runner, PeerPackages.OPENSSH, "the openssh and btrbk cases", progress);
        if (withBtrbk) {
            PeerPackages.ensure(runner, PeerPackages.BTRBK, "the btrbk case", progress);
        }
        Path dir = directory(runDir.resolve("peer"));
        PrivateSshd server = PrivateSshd.start(dir.resolve("sshd"), logs.resolve("sshd.log"), runner);
        sshd = server;
        if (!withBtrbk) {
            progress.accept("private sshd on 127.0.0.1:" + server.port() + " for the openssh case");
            return new Peers(Optional.empty(), Optional.empty());
        }
        btrbk = Btrbk.start(directory(dir.resolve("btrbk")), server, runner, List.of(masterMount, replicaMount));
        List<Path> confs = new ArrayList<>();
        for (boolean lz4 : new boolean[] {false, true}) {
            String variant = lz4 ? "btrbk-lz4" : "btrbk";
            directory(masterMount.resolve(variant));
            directory(replicaMount.resolve(variant));
            BtrbkConfig config = btrbkConfig(server, lz4);
            Path conf = dir.resolve(variant + ".conf");
            try {
                Files.writeString(conf, config.render());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + conf + ": " + e.getMessage(), e);
            }
            confs.add(conf);
        }
        progress.accept("private sshd on 127.0.0.1:" + server.port() + " for the openssh and btrbk cases; btrbk "
                + "configurations " + confs);
        return new Peers(Optional.of(confs.get(0)), Optional.of(confs.get(1)));
    }

    private BtrbkConfig btrbkConfig(PrivateSshd server, boolean lz4) {
        String variant = lz4 ? "btrbk-lz4" : "btrbk";
        return new BtrbkConfig(masterMount, Path.of("images", IMAGE, ImageRepository.WORK), Path.of(variant), IMAGE,
                server.port(), replicaMount.resolve(variant), server.identity(), lz4,
                runDir.resolve("peer").resolve(variant + ".lock"));
    }

    /** One repetition of the peer cases: the OpenSSH pipe, then btrbk plain and lz4, each full then delta. */
    private void measurePeers(Peers peers, Versions versions, Map<String, List<Sample>> samples,
                              Map<String, String[]> caseKeys, String of, Consumer<String> progress) {
        if (settings.routes().contains(Route.OPENSSH)) {
            Path into = directory(replicaMount.resolve("openssh"));
            for (boolean delta : new boolean[] {false, true}) {
                record(samples, caseKeys, "openssh", Route.OPENSSH.code(), "none", delta,
                        measureOpenSsh(versions, delta, into), of, progress);
            }
            deleteSubvolumes(into.resolve(Integer.toString(versions.v2().version())),
                    into.resolve(Integer.toString(versions.v1().version())));
        }
        if (settings.routes().contains(Route.BTRBK)) {
            for (boolean lz4 : new boolean[] {false, true}) {
                Path conf = (lz4 ? peers.btrbkLz4() : peers.btrbkPlain()).orElseThrow();
                BtrbkConfig config = btrbkConfig(sshd, lz4);
                String name = lz4 ? "btrbk-lz4" : "btrbk";
                for (boolean delta : new boolean[] {false, true}) {
                    record(samples, caseKeys, name, Route.BTRBK.code(), lz4 ? "lz4" : "none", delta,
                            measureBtrbk(conf, config, versions, delta), of, progress);
                }
                List<Path> received = new ArrayList<>();
                for (int n : new int[] {2, 1}) {
                    received.add(config.target().resolve(config.snapshot(n)));
                    Path source = masterMount.resolve(config.snapshotDir()).resolve(config.snapshot(n));
                    if (Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                        btrfs.deleteSubvolume(source);
                    }
                }
                deleteSubvolumes(received.toArray(Path[]::new));
            }
        }
    }

    /**
     * {@code btrfs send [-p v1] v | ssh -c aes128-gcm@openssh.com root@127.0.0.1 btrfs receive -e dir}
     * through the private sshd, then the replica pool's flush; the received subvolume's received
     * uuid must be the sent version's.
     */
    private Sample measureOpenSsh(Versions versions, boolean delta, Path into) {
        ImageVersion target = versions.target(delta);
        long stream = streamBytes(versions, delta);
        sync();
        long nanos;
        ProcessSampler.Observed observed;
        try (ProcessSampler sampler = new ProcessSampler(Map.of("bench", pid, "sshd", sshd.pid()))) {
            nanos = raw.sendInto(target.path(), delta ? Optional.of(versions.v1().path()) : Optional.empty(),
                    sshd.ssh(List.of("btrfs", "receive", "-e", into.toString())), "openssh");
            sshd.awaitIdle(SSHD_SESSION_END);
            observed = sampler.stop();
        }
        double flush = flushReplicaPool();
        String received = requireReceived(into.resolve(target.path().getFileName().toString()), target.uuid(),
                "the openssh case");
        Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("pipe", nanos / 1e9);
        phases.put("flush", flush);
        return new Sample(nanos / 1e9 + flush, stream, stream, phases, Map.of(), peerCpu(observed), Optional.empty(),
                Optional.of(PrivateSshd.CIPHER + ", OpenSSH; received uuid " + received));
    }

    /**
     * {@code btrbk run} of one step: the version snapshotted (untimed) into btrbk's snapshot directory
     * under the name btrbk expects, then btrbk sends it (a full stream the first time, incremental from
     * the previous snapshot the second) and the replica pool is flushed.
     */
    private Sample measureBtrbk(Path conf, BtrbkConfig config, Versions versions, boolean delta) {
        ImageVersion target = versions.target(delta);
        int n = delta ? 2 : 1;
        SubvolumeInfo snapshot = btrfs.snapshotReadOnly(target.path(),
                masterMount.resolve(config.snapshotDir()).resolve(config.snapshot(n)));
        long stream = streamBytes(versions, delta);
        long wire = config.lz4() ? lz4StreamBytes.computeIfAbsent(delta, d -> raw.filteredBytes(target.path(),
                d ? Optional.of(versions.v1().path()) : Optional.empty(), List.of("lz4", "-c"))) : stream;
        sync();
        long start = System.nanoTime();
        ProcessSampler.Observed observed;
        try (ProcessSampler sampler = new ProcessSampler(Map.of("bench", pid, "sshd", sshd.pid()))) {
            btrbk.run(conf, stepTimeout);
            sshd.awaitIdle(SSHD_SESSION_END);
            observed = sampler.stop();
        }
        long nanos = System.nanoTime() - start;
        double flush = flushReplicaPool();
        String received = requireReceived(config.target().resolve(config.snapshot(n)), snapshot.uuid().toString(),
                "the " + (config.lz4() ? "btrbk-lz4" : "btrbk") + " case");
        Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("pipe", nanos / 1e9);
        phases.put("flush", flush);
        return new Sample(nanos / 1e9 + flush, wire, stream, phases, Map.of(), peerCpu(observed), Optional.empty(),
                Optional.of(PrivateSshd.CIPHER + ", btrbk" + (config.lz4() ? " stream_compress lz4" : "")
                        + "; received uuid " + received));
    }

    /** The received subvolume's received uuid, which must be {@code uuid}; fails the run otherwise. */
    private String requireReceived(Path subvolume, String uuid, String what) {
        if (!Files.isDirectory(subvolume, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException(what + " received nothing at " + subvolume + "; see " + logs);
        }
        String received = btrfs.show(subvolume).receivedUuid().map(Object::toString).orElse("-");
        if (!received.equals(uuid)) {
            throw new IllegalStateException(what + ": " + subvolume + " has received uuid " + received
                    + ", not the sent snapshot's " + uuid);
        }
        return received;
    }

    /** A peer's CPU: what the bench ran (btrfs send, ssh, btrbk, lz4) and what sshd ran (sessions, btrfs receive). */
    private static Map<String, Double> peerCpu(ProcessSampler.Observed observed) {
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (String group : List.of("bench children", "sshd", "sshd children")) {
            cpu.put(group, observed.cpuSeconds().getOrDefault(group, 0.0));
        }
        return cpu;
    }

    /** The replica pool's write-back ({@code btrfs filesystem sync}), which ends every case alike; its seconds. */
    private double flushReplicaPool() {
        long start = System.nanoTime();
        runner.run(List.of("btrfs", "filesystem", "sync", replicaMount.toString()), COMMAND);
        return (System.nanoTime() - start) / 1e9;
    }

    private Sample measureSendOnly(Versions versions, boolean delta) {
        sync();
        long[] result;
        ProcessSampler.Observed observed;
        try (ProcessSampler sampler = new ProcessSampler(Map.of("bench", pid))) {
            result = raw.sendOnly(versions.target(delta).path(), delta ? Optional.of(versions.v1().path())
                    : Optional.empty());
            observed = sampler.stop();
        }
        return new Sample(result[1] / 1e9, result[0], result[0], Map.of(), Map.of(), observed.cpuSeconds(),
                Optional.empty(), Optional.empty());
    }

    private Sample measureRaw(Versions versions, boolean delta, Path into) {
        long streamBytes = streamBytes(versions, delta);
        sync();
        long nanos;
        ProcessSampler.Observed observed;
        try (ProcessSampler sampler = new ProcessSampler(Map.of("bench", pid))) {
            nanos = raw.sendReceive(versions.target(delta).path(),
                    delta ? Optional.of(versions.v1().path()) : Optional.empty(), into);
            observed = sampler.stop();
        }
        // The bench's own threads only wait here; the pipe is its children.
        Map<String, Double> cpu = Map.of("bench children", observed.cpuSeconds().getOrDefault("bench children", 0.0));
        // Untimed in this figure, shown as a phase and added in RAW_FLUSHED's: the pipe ends with the
        // received data still dirty in memory, while the system's promotion (a snapshot) makes btrfs write it first.
        Map<String, Double> phases = new LinkedHashMap<>();
        phases.put("pipe", nanos / 1e9);
        phases.put("flush", flushReplicaPool());
        return new Sample(nanos / 1e9, streamBytes, streamBytes, phases, Map.of(), cpu, Optional.empty(),
                Optional.empty());
    }

    /** The size of a step's stream: btrfs produces the same stream every time for the same snapshots. */
    private long streamBytes(Versions versions, boolean delta) {
        return streamBytes.computeIfAbsent(delta, d -> raw.sendOnly(versions.target(d).path(),
                d ? Optional.of(versions.v1().path()) : Optional.empty())[0]);
    }

    private Sample measureStep(ReplicaHandle replica, Compression compression, Versions versions, boolean delta,
                               Map<String, Long> pids) {
        return measureStep(replica, compression, Transport.SSH, versions, delta, pids);
    }

    private Sample measureStep(ReplicaHandle replica, Compression compression, Transport transport, Versions versions,
                               boolean delta, Map<String, Long> pids) {
        ImageVersion target = versions.target(delta);
        String command = "pull " + IMAGE + " " + target.version() + " " + (delta ? versions.v1().version() : "-") + " "
                + compression.code() + " " + target.uuid() + (transport == Transport.SSH ? "" : " " + transport.code());
        sync();
        ShapedLink.QdiscCounters before = replica.route() == Route.LINK ? link.counters() : null;
        SiteReply reply;
        ProcessSampler.Observed observed;
        try (ProcessSampler sampler = new ProcessSampler(pids)) {
            reply = replica.process().request(command, stepTimeout);
            observed = sampler.stop();
        }
        if (!reply.ok()) {
            throw new IllegalStateException(replica.process().name() + ": `" + command + "` failed: " + reply.error());
        }
        Optional<Long> linkBytes = replica.route() == Route.LINK
                ? Optional.of(link.counters().minus(before).bytes()) : Optional.empty();
        double flush = flushReplicaPool();
        Map<String, Double> phases = new LinkedHashMap<>();
        for (String phase : List.of("connect", "transfer", "promote")) {
            phases.put(phase, reply.number(phase) / 1e9);
        }
        phases.put("flush", flush);
        return new Sample(reply.number("nanos") / 1e9 + flush, reply.number("wire"), reply.number("stream"), phases,
                observed.peakRss(), observed.cpuSeconds(), linkBytes, Optional.of(reply.text("cipher")));
    }

    private void record(Map<String, List<Sample>> samples, Map<String, String[]> caseKeys, String name, String route,
                        String compression, boolean delta, Sample sample, String of, Consumer<String> progress) {
        String step = delta ? "delta" : "full";
        String key = name + "|" + step;
        samples.computeIfAbsent(key, k -> new ArrayList<>()).add(sample);
        caseKeys.putIfAbsent(key, new String[] {name, route, compression, step});
        loadSamples.add(loadAverageOneMinute());
        progress.accept(String.format(Locale.ROOT, "%s %-18s %-5s %8.2f s  %8.1f MB/s of stream  %s bytes on the wire%s",
                of, name, step, sample.seconds(), sample.streamBytes() / sample.seconds() / 1e6, sample.wireBytes(),
                sample.peakRss().isEmpty() ? "" : "  peak RSS " + sample.peakRss().entrySet().stream()
                        .map(e -> e.getKey() + " " + (e.getValue() >> 20) + " MiB").toList()));
    }

    private static List<CaseResult> summarise(Map<String, List<Sample>> samples, Map<String, String[]> caseKeys) {
        Map<String, Double> rawMedian = new LinkedHashMap<>();
        samples.forEach((key, list) -> {
            String[] k = caseKeys.get(key);
            if (k[0].equals(RAW_FLUSHED)) {
                rawMedian.put(k[3], Spread.of(list.stream().map(Sample::seconds).toList()).median());
            }
        });
        List<CaseResult> results = new ArrayList<>();
        samples.forEach((key, list) -> {
            String[] k = caseKeys.get(key);
            Spread seconds = Spread.of(list.stream().map(Sample::seconds).toList());
            Sample last = list.get(list.size() - 1);
            Map<String, Long> peaks = new LinkedHashMap<>();
            list.forEach(s -> s.peakRss().forEach((site, bytes) -> peaks.merge(site, bytes, Math::max)));
            // A fanout of several is several steps at once: its time is no step's against the raw pipe.
            boolean oneStep = !k[1].equals("raw") && !(k[1].equals(Route.FANOUT.code()) && !k[0].equals("fanout 1"));
            Optional<Double> ratio = !oneStep ? Optional.empty()
                    : Optional.ofNullable(rawMedian.get(k[3])).map(r -> seconds.median() / r);
            Optional<Double> linkMBps = last.linkBytes().isPresent()
                    ? Optional.of(Spread.of(list.stream().map(s -> s.linkBytes().orElse(0L) / s.seconds() / 1e6)
                    .toList()).median())
                    : Optional.empty();
            Map<String, Double> phases = new LinkedHashMap<>();
            PHASES.stream().filter(last.phases()::containsKey).forEach(phase -> phases.put(phase, Spread.of(list
                    .stream().map(s -> s.phases().getOrDefault(phase, 0.0)).toList()).median()));
            Map<String, Double> cpu = new LinkedHashMap<>();
            last.cpuSeconds().keySet().stream().sorted().forEach(group -> cpu.put(group, Spread.of(list.stream()
                    .map(s -> s.cpuSeconds().getOrDefault(group, 0.0)).toList()).median()));
            results.add(new CaseResult(k[0], k[1], k[2], k[3], seconds, last.wireBytes(), last.streamBytes(),
                    last.streamBytes() / seconds.median() / 1e6, ratio, peaks, phases, cpu, linkMBps, list));
        });
        return results;
    }

    /**
     * The goals, each from the cases it needs; a target whose cases were not run is left out. The
     * issue's own first (raw, peers, CPU, link, memory), then those of the stream cases.
     */
    static List<Target> targets(List<CaseResult> cases, long maxPullRate, Map<Integer, List<Long>> fanoutSends,
                                Map<String, List<SiteServed>> fanoutServed, Optional<Map<String, Object>> link) {
        List<Target> targets = new ArrayList<>();
        for (String step : List.of("full", "delta")) {
            find(cases, "loopback none", step).ifPresent(c -> c.ratioToRaw().ifPresent(r -> targets.add(new Target(
                    "loopback-none-" + step + "-x-raw", r, "loopback, no compression, " + step + " step at most "
                    + TARGET_LOOPBACK_RATIO + "x the raw pipe with its flush", r <= TARGET_LOOPBACK_RATIO,
                    String.format(Locale.ROOT, "%.2f s against %.2f s", c.seconds().median(),
                            c.seconds().median() / r)))));
        }
        for (String compression : List.of("none", "lz4")) {
            String peer = compression.equals("none") ? "btrbk" : "btrbk-lz4";
            for (String step : List.of("full", "delta")) {
                Optional<CaseResult> ours = find(cases, "loopback " + compression, step);
                Optional<CaseResult> theirs = find(cases, peer, step);
                if (ours.isPresent() && theirs.isPresent()) {
                    double speedup = theirs.get().seconds().median() / ours.get().seconds().median();
                    targets.add(new Target(peer + "-" + step + "-speedup", speedup, "loopback " + compression + ", "
                            + step + " step at least " + TARGET_BTRBK_SPEEDUP + "x faster than " + peer,
                            speedup >= TARGET_BTRBK_SPEEDUP, String.format(Locale.ROOT, "%.2f s against %s's %.2f s",
                            ours.get().seconds().median(), peer, theirs.get().seconds().median())));
                }
            }
        }
        for (String step : List.of("full", "delta")) {
            Optional<CaseResult> ours = find(cases, "loopback none", step);
            Optional<CaseResult> openssh = find(cases, "openssh", step);
            if (ours.isPresent() && openssh.isPresent()) {
                double ratio = ours.get().seconds().median() / openssh.get().seconds().median();
                targets.add(new Target("openssh-" + step + "-ratio", ratio, "loopback none, " + step + " step at most "
                        + TARGET_OPENSSH_RATIO + "x the plain OpenSSH pipe", ratio <= TARGET_OPENSSH_RATIO,
                        String.format(Locale.ROOT, "%.2f s against %.2f s", ours.get().seconds().median(),
                                openssh.get().seconds().median())));
            }
        }
        find(cases, "loopback none", "full").ifPresent(c -> {
            double gb = c.streamBytes() / 1e9;
            double total = c.cpuSeconds().values().stream().mapToDouble(Double::doubleValue).sum();
            targets.add(new Target("loopback-full-cpu-s-per-gb", total / gb, "loopback none, full step: at most "
                    + TARGET_CPU_PER_GB + " CPU-seconds per GB of stream, all processes together",
                    total / gb <= TARGET_CPU_PER_GB, String.format(Locale.ROOT, "%.2f CPU-s for %.3f GB: btrfs send "
                                    + "%.2f, master JVM %.2f, replica JVM %.2f, btrfs receive %.2f", total, gb,
                            c.cpuSeconds().getOrDefault("master children", 0.0),
                            c.cpuSeconds().getOrDefault("master", 0.0), c.cpuSeconds().getOrDefault("replica", 0.0),
                            c.cpuSeconds().getOrDefault("replica children", 0.0))));
        });
        Optional<Double> probe = link.map(l -> l.get("probeMBps")).filter(Double.class::isInstance)
                .map(Double.class::cast);
        for (String step : List.of("full", "delta")) {
            double bound = step.equals("full") ? TARGET_LINK_FULL_FLOOR_RATIO : TARGET_LINK_DELTA_FLOOR_RATIO;
            Optional<CaseResult> lz4 = find(cases, "link lz4", step);
            if (lz4.isPresent() && probe.isPresent()) {
                double floor = lz4.get().wireBytes() / (probe.get() * 1e6);
                double ratio = lz4.get().seconds().median() / floor;
                targets.add(new Target("link-lz4-" + step + "-x-wire-floor", ratio, "link lz4, " + step
                        + " step at most " + bound + "x the wire floor (compressed bytes / the probed link rate)",
                        ratio <= bound, String.format(Locale.ROOT, "%.2f s against a floor of %.2f s (%d bytes at "
                                + "%.1f MB/s)", lz4.get().seconds().median(), floor, lz4.get().wireBytes(), probe.get())));
            }
        }
        for (String site : List.of("master", "replica")) {
            long peak = cases.stream().mapToLong(c -> c.peakRssBytes().getOrDefault(site, 0L)).max().orElse(0);
            if (peak > 0) {
                targets.add(new Target(site + "-jvm-peak-rss-mib", peak / 1048576.0, site + " JVM under 512 MiB "
                        + "resident during transfers", peak < TARGET_RSS_BYTES,
                        String.format(Locale.ROOT, "peak over every case %.0f MiB", peak / 1048576.0)));
            }
        }
        for (String step : List.of("full", "delta")) {
            Optional<CaseResult> none = find(cases, "link none", step);
            Optional<CaseResult> lz4 = find(cases, "link lz4", step);
            if (none.isPresent() && lz4.isPresent()) {
                double speedup = none.get().seconds().median() / lz4.get().seconds().median();
                targets.add(new Target("link-lz4-" + step + "-speedup", speedup, "shaped link, " + step + " step: lz4 "
                        + "at least " + TARGET_LZ4_SPEEDUP + "x faster than none", speedup >= TARGET_LZ4_SPEEDUP,
                        String.format(Locale.ROOT, "%.2f s against %.2f s", lz4.get().seconds().median(),
                                none.get().seconds().median())));
            }
        }
        Optional<CaseResult> one = find(cases, "fanout 1", "delta");
        Optional<CaseResult> many = find(cases, "fanout " + FANOUT, "delta");
        if (one.isPresent() && many.isPresent()) {
            // Per GB of the step's stream: the same delta, produced once, served to 1 or to FANOUT.
            double gb = one.get().streamBytes() / 1e9;
            double cpuOne = masterCpu(one.get()) / gb;
            double cpuMany = masterCpu(many.get()) / gb;
            double ratio = cpuMany / cpuOne;
            targets.add(new Target("fanout-master-cpu-ratio", ratio, "fanout: the master's CPU-seconds per GB of the "
                    + "delta for " + FANOUT + " replicas at once at most " + TARGET_FANOUT_CPU_RATIO + "x that for 1",
                    ratio <= TARGET_FANOUT_CPU_RATIO,
                    String.format(Locale.ROOT, "%d replicas %.2f s/GB, 1 replica %.2f s/GB; btrfs send "
                                    + "%.2f against %.2f s/GB; btrfs send runs %s against %s", FANOUT,
                            cpuMany, cpuOne, many.get().cpuSeconds().getOrDefault("master children", 0.0) / gb,
                            one.get().cpuSeconds().getOrDefault("master children", 0.0) / gb,
                            fanoutSends.getOrDefault(FANOUT, List.of()), fanoutSends.getOrDefault(1, List.of()))));
        }
        SiteServed.masterBytesPerSite(fanoutServed.getOrDefault("fanout peer " + FANOUT, List.of()),
                fanoutServed.getOrDefault("fanout " + FANOUT, List.of()), FANOUT).ifPresent(targets::add);
        Optional<CaseResult> uncut = find(cases, "resume uncut", "full");
        Optional<CaseResult> cut = find(cases, "resume cut", "full");
        if (uncut.isPresent() && cut.isPresent()) {
            long stream = cut.get().streamBytes();
            double wire = Spread.of(cut.get().samples().stream().map(x -> (double) x.linkBytes().orElse(0L))
                    .toList()).median();
            double ratio = wire / stream;
            double time = cut.get().seconds().median() / uncut.get().seconds().median();
            targets.add(new Target("resume-wire-ratio", ratio, "resume: a full step cut at half, resumed, at most "
                    + TARGET_RESUME_WIRE_RATIO + "x its stream's bytes on the wire", ratio <= TARGET_RESUME_WIRE_RATIO,
                    String.format(Locale.ROOT, "%.0f bytes through the link for %d of stream; uncut %.3fx; "
                                    + "%.2f s against %.2f s uncut (%.2fx the time)", wire, stream,
                            uncut.get().linkMBps().isPresent() ? uncutWire(uncut.get()) / stream : Double.NaN,
                            cut.get().seconds().median(), uncut.get().seconds().median(), time)));
        }
        find(cases, "cap none", "full").ifPresent(c -> {
            double transfer = c.phases().getOrDefault("transfer", c.seconds().median());
            double achieved = c.wireBytes() / transfer;
            targets.add(new Target("cap-achieved-share", achieved / maxPullRate, String.format(Locale.ROOT,
                    "capped pull: icbd.replica.max-pull-rate %d B/s (%.1f MB/s) achieved within 80-102%%", maxPullRate,
                    maxPullRate / 1e6), achieved <= 1.02 * maxPullRate && achieved >= 0.8 * maxPullRate,
                    String.format(Locale.ROOT, "%.1f MB/s on the wire over the transfer", achieved / 1e6)));
        });
        return targets;
    }

    /** The master's CPU seconds in a case (median): its JVM and its children ({@code btrfs send}). */
    private static double masterCpu(CaseResult c) {
        return c.cpuSeconds().getOrDefault("master", 0.0) + c.cpuSeconds().getOrDefault("master children", 0.0);
    }

    private static double uncutWire(CaseResult c) {
        return Spread.of(c.samples().stream().map(x -> (double) x.linkBytes().orElse(0L)).toList()).median();
    }

    private static Optional<CaseResult> find(List<CaseResult> cases, String name, String step) {
        return cases.stream().filter(c -> c.name().equals(name) && c.step().equals(step)).findFirst();
    }

    private Map<String, Object> settingsInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("size", settings.datasetBytes());
        info.put("repeat", settings.repeat());
        info.put("rate", settings.rate());
        info.put("cases", settings.routes().stream().sorted().map(Route::code).toList());
        info.put("seed", settings.seed());
        info.put("updateFraction", settings.updateFraction());
        info.put("siteJvmOptions", settings.siteJvmOptions());
        info.put("siteJava", settings.siteJava().map(Path::toString).orElse(null));
        info.put("linkGro", settings.linkGro());
        info.put("maxPullRate", settings.maxPullRate());
        info.put("workDir", settings.workDir().toString());
        return info;
    }

    private Map<String, Object> machine(String loadBefore) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("cpus", Runtime.getRuntime().availableProcessors());
        info.put("kernel", readQuietly(Path.of("/proc/sys/kernel/osrelease")));
        info.put("java", System.getProperty("java.version"));
        info.put("siteJava", settings.siteJava().map(Path::toString).orElse(Path.of(System.getProperty("java.home"),
                "bin", "java").toString()));
        info.put("siteJavaVersions", new LinkedHashMap<>(siteJava));
        info.put("loadAverageBefore", loadBefore);
        String loadAfter = loadAverage();
        info.put("loadAverageAfter", loadAfter);
        Spread during = loadSamples.isEmpty() ? null : Spread.of(loadSamples);
        info.put("loadAverageDuring", during);
        info.put("summary", String.format(Locale.ROOT, "%d CPUs, kernel %s, site JVMs on Java %s; 1-min load average "
                        + "%s before, %s during, %s after", Runtime.getRuntime().availableProcessors(), info.get("kernel"),
                siteJava.isEmpty() ? "-" : String.join("/", new java.util.TreeSet<>(siteJava.values())),
                loadBefore.split(" ")[0], during == null ? "-" : String.format(Locale.ROOT, "%.1f-%.1f", during.min(),
                        during.max()), loadAfter.split(" ")[0]));
        return info;
    }

    private static Map<String, Object> datasetInfo(Dataset d, AdminUpdate u, Versions versions) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("files", d.files());
        info.put("treeBytes", d.treeBytes());
        info.put("diskImageBytes", d.diskImageBytes());
        info.put("diskDataBytes", d.diskDataBytes());
        Map<String, Object> changes = new LinkedHashMap<>();
        changes.put("added", u.added().size());
        changes.put("modified", u.modified().size());
        changes.put("deleted", u.deleted().size());
        changes.put("renamed", u.renamed().size());
        changes.put("diskBlocksRewritten", u.diskBlocksRewritten());
        changes.put("diskBlocks", u.diskBlocks());
        info.put("update", changes);
        info.put("v1", versions.v1().uuid());
        info.put("v2", versions.v2().uuid());
        info.put("summary", String.format(Locale.ROOT, "image of %d files (%s) and a %s disk image (%s written); "
                        + "version 2 added %d, modified %d, deleted %d, renamed %d files and rewrote %.1f%% of the disk "
                        + "image's blocks", d.files(), bytes(d.treeBytes()), bytes(d.diskImageBytes()),
                bytes(d.diskDataBytes()), u.added().size(), u.modified().size(), u.deleted().size(), u.renamed().size(),
                100 * u.diskFractionRewritten()));
        return info;
    }

    /** Writes dirty pages back, so that a measurement never pays for the previous one's writes. */
    private void sync() {
        runner.run(List.of("sync"), COMMAND);
    }

    /** Deletes the subvolumes that exist among {@code paths}, then waits for btrfs to clean them up. */
    private void deleteSubvolumes(Path... paths) {
        for (Path p : paths) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                btrfs.deleteSubvolume(p);
            }
        }
        // The cleaner would otherwise run during the next measurement. It starts at the next commit,
        // up to 30 s away (the default commit interval) unless one is forced.
        runner.run(List.of("btrfs", "filesystem", "sync", replicaMount.toString()), COMMAND);
        runner.run(List.of("btrfs", "subvolume", "sync", replicaMount.toString()), COMMAND);
    }

    private static Path directory(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String loadAverage() {
        return readQuietly(Path.of("/proc/loadavg"));
    }

    private static double loadAverageOneMinute() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    static String bytes(long n) {
        if (n >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", n / (double) (1L << 20));
    }

    /**
     * Removes what earlier runs that died without cleaning up left under {@code workDir} and in the
     * network namespaces: anything named after a pid that no longer runs.
     */
    static void sweep(Path workDir, CommandRunner runner) {
        if (Files.isDirectory(workDir)) {
            try (Stream<Path> entries = Files.list(workDir)) {
                for (Path dir : entries.toList()) {
                    Matcher m = RUN_DIR.matcher(dir.getFileName().toString());
                    if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                        LOG.info("removing {}, left by a bench run that is gone", dir);
                        removeRun(dir, m.group(1), runner);
                    }
                }
            } catch (IOException e) {
                LOG.warn("cannot list {} for leftovers: {}", workDir, e.toString());
            }
        }
        for (String ns : ShapedLink.namespaces(runner)) {
            Matcher m = NAMESPACE.matcher(ns);
            if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                ShapedLink.deleteNamespace(runner, ns);
            }
        }
    }

    private static void removeRun(Path dir, String tag, CommandRunner runner) {
        // The private sshd of a killed run outlives it (btrbk's namespace holder ends with the run's pipe).
        String under = dir + "/";
        ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> java.util.Arrays.stream(args)
                        .anyMatch(a -> a.startsWith(under))).orElse(false))
                .forEach(p -> {
                    LOG.info("killing pid {} ({}), left by a bench run that is gone", p.pid(),
                            p.info().commandLine().orElse("?"));
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                });
        ShapedLink.deleteNamespace(runner, "icbd-bench-m-" + tag);
        ShapedLink.deleteNamespace(runner, "icbd-bench-r-" + tag);
        LoopPool.destroy(dir.resolve(PEER_POOL + ".img"), dir.resolve(PEER_POOL));
        LoopPool.destroy(dir.resolve("replica.img"), dir.resolve("replica"));
        LoopPool.destroy(dir.resolve("master.img"), dir.resolve("master"));
        deleteTree(dir);
    }

    /** Deletes a directory tree, never descending into a mount point: a pool still mounted stays whole. */
    private static void deleteTree(Path dir) {
        List<String> mounts = mountPoints();
        if (mounts.stream().anyMatch(m -> m.equals(dir.toString()) || m.startsWith(dir.toString() + "/"))) {
            LOG.warn("{} still has mounts under it; it is left in place", dir);
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", dir, e.toString());
        }
    }

    /** Every mount point of this process's mount namespace (field 5 of /proc/self/mountinfo). */
    static List<String> mountPoints() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> line.split(" "))
                    .filter(f -> f.length > 4)
                    .map(f -> f[4].replace("\\040", " "))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
    }

    /** Where this run lives; its logs are kept there when it fails. */
    public Path runDir() {
        return runDir;
    }

    /**
     * Ends the child JVMs and any btrfs process in flight, deletes the namespaces, destroys both pools,
     * and removes the run directory (kept with its logs after a failure). Idempotent; also the
     * shutdown hook's work.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            // Another thread is cleaning up: wait for it, so that the shutdown hook never returns (and
            // lets the JVM halt) while the main thread is still halfway through.
            try {
                if (!cleanedUp.await(CLEANUP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    LOG.warn("bench run {}: clean-up by another thread still running after {} s", runDir,
                            CLEANUP_WAIT.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            cleanUp();
        } finally {
            cleanedUp.countDown();
        }
    }

    private void cleanUp() {
        LOG.info("bench run {}: cleaning up", runDir);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotAdded) {
            // Called from the hook itself, or before run() added it.
        }
        raw.killRunning();
        Btrbk b = btrbk;
        if (b != null) {
            b.close();
        }
        PrivateSshd d = sshd;
        if (d != null) {
            d.close();
        }
        List<SiteProcess> reversed = new ArrayList<>(sites);
        Collections.reverse(reversed);
        for (SiteProcess site : reversed) {
            try {
                site.close();
            } catch (RuntimeException e) {
                LOG.warn("stopping bench site {}: {}", site.name(), e.toString());
            }
        }
        ShapedLink l = link;
        if (l != null) {
            l.close();
        }
        LoopPool.destroy(peerFile, peerMount);
        LoopPool.destroy(replicaFile, replicaMount);
        LoopPool.destroy(masterFile, masterMount);
        if (succeeded) {
            deleteTree(runDir);
        } else if (Files.exists(runDir)) {
            try (Stream<Path> entries = Files.list(runDir)) {
                for (Path p : entries.toList()) {
                    if (!p.equals(logs)) {
                        deleteTree(p);
                    }
                }
            } catch (IOException e) {
                LOG.warn("cannot tidy {}: {}", runDir, e.toString());
            }
            LOG.warn("the bench run failed or was interrupted; its logs are kept in {}", logs);
        }
    }
}
