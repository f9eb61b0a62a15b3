package org.icbd.rcs.bench.chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.bench.fleet.Fleet;
import org.icbd.rcs.bench.fleet.WorkDir;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ReplicationState;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.status.StatusBoard;
import org.icbd.rcs.master.status.StatusReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code icbd chaos}: a fleet as the demo runs it (broker, master, planner, three replicas in two
 * sites, every service its own JVM on its own loop pool), each replica in a network namespace of its
 * own ({@link ChaosNet}) and reaching the master through a {@link ChaosLink} in this JVM; two images
 * that keep getting new versions with real changes, and N faults drawn by the seed, in rounds that
 * hold every kind once. Each fault: publish a version, strike while it is being replicated
 * (publishing again while it holds, the broker permitting), end it, then wait, bounded, until every
 * replica is IN_SYNC at the master's newest version of both images; a {@link VisibilityWatch} checks
 * every visible version all along.
 */
public final class ChaosRun {

    private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);

    static final List<String> IMAGES = List.of("img-a", "img-b");
    static final List<String[]> REPLICAS = List.of(new String[] {"lab-1-a", "lab-1"},
            new String[] {"lab-1-b", "lab-1"}, new String[] {"lab-2-a", "lab-2"});
    /**
     * A link slowed to a crawl: 1 KB/s, so that one SSH packet of a stream (32 KB) takes longer than
     * the replicas' stall timeout to arrive, and stall detection ends the step.
     */
    static final long CRAWL_BYTES_PER_SECOND = 1024;
    /** What the replica logs when its stall detection abandons a step. */
    static final String STALL_LINE = "no data arrived within the stall timeout";

    /**
     * @param converge     how long a fleet may take to converge after a fault ends
     * @param kinds        the fault kinds to draw from
     * @param maxHold      the longest a fault holds (drawn from 1 s up), a crawl aside
     * @param stallTimeout the replicas' stall timeout ({@code icbd.replica.ssh.stall-timeout}); a crawl
     *                     holds 4 to 8 s longer (an SSH handshake at the crawl rate takes a few), so that
     *                     stall detection must end the step
     */
    public record Settings(int faults, long seed, Path workDir, int files, long diskBytes, Duration converge,
                           List<String> kinds, Duration maxHold, Duration stallTimeout) {
    }

    /** How long a (re)started service may take to be ready: JVMs start slowly on a loaded machine. */
    static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    /** The campaign's default longest hold. */
    public static final Duration MAX_HOLD = Duration.ofSeconds(8);
    /** The campaign's default stall timeout for the replicas. */
    public static final Duration STALL_TIMEOUT = Duration.ofSeconds(6);

    /** One fault as it went. */
    record Outcome(FaultKind kind, String target, double holdSeconds, Optional<Double> convergeSeconds, String note) {
    }

    private final Settings settings;
    private final PrintWriter out;
    private final SplittableRandom random;
    private volatile String currentFault = "setup";
    /** The pairs not yet converged at the last look, for the note of a fault that did not converge. */
    private volatile List<String> lagging = List.of();
    private final Map<String, Integer> updates = new LinkedHashMap<>();
    /** The faults so far, for the report at the end or on an interruption. */
    private final List<Outcome> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile VisibilityWatch activeWatch;
    private volatile boolean reported;

    public ChaosRun(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
        this.random = new SplittableRandom(settings.seed());
    }

    public int run() throws Exception {
        Fleet fleet = new Fleet(new Fleet.Settings(settings.workDir(), 768L << 20, READY_TIMEOUT, "256m",
                Duration.ofSeconds(20)));
        Map<String, ChaosLink> links = new LinkedHashMap<>();
        ChaosNet net = ChaosNet.create(new CommandRunner(), REPLICAS.stream().map(r -> r[0]).toList());
        Thread hook = new Thread(() -> {
            VisibilityWatch w = activeWatch;
            if (!reported && w != null) {
                // Ctrl-C or SIGTERM in the middle: the figures so far, then the cleanup.
                say("chaos: interrupted after " + outcomes.size() + " of " + settings.faults() + " faults"
                        + " (during " + currentFault + ")");
                report(List.copyOf(outcomes), w, fleet.logs());
            }
            links.values().forEach(ChaosLink::close);
            fleet.close();
            net.close();
        }, "icbd-chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean ok = false;
        VisibilityWatch watch = null;
        try {
            fleet.kafkaHost(net.hostAddress());
            fleet.replicaArgs(List.of("--set", "icbd.replica.ssh.stall-timeout=" + settings.stallTimeout().toSeconds() + "s"));
            say("chaos: starting a fleet: broker, master, planner, replicas "
                    + REPLICAS.stream().map(r -> r[0] + " (" + r[1] + ")").toList());
            fleet.startKafka();
            fleet.startMaster();
            fleet.startPlanner();
            for (String image : IMAGES) {
                Path work = fleet.initImage(image);
                DatasetGenerator.generate(work, new DatasetSpec(settings.seed() + image.hashCode(), settings.files(),
                        settings.diskBytes()));
                fleet.publish(image);
            }
            List<String> ids = new ArrayList<>();
            List<Fleet.ReplicaSpec> specs = new ArrayList<>();
            for (String[] r : REPLICAS) {
                ChaosLink link = new ChaosLink(r[0], InetAddress.getByName(net.hostAddress()), fleet::sshPort,
                        random.nextLong());
                links.put(r[0], link);
                specs.add(new Fleet.ReplicaSpec(r[0], r[1], IMAGES.stream().map(i -> i + ":3").toList(),
                        new Fleet.ReplicaLink(Optional.of(net.namespace(r[0])), net.hostAddress(), link.port())));
                ids.add(r[0]);
            }
            fleet.addReplicas(specs);
            Optional<Double> first = awaitConverged(fleet, ids, settings.converge());
            if (first.isEmpty()) {
                say("chaos: the fleet did not converge before any fault; logs kept in " + fleet.logs());
                return 1;
            }
            watch = new VisibilityWatch(fleet, IMAGES, () -> currentFault);
            activeWatch = watch;
            List<FaultKind> kinds = settings.kinds().stream()
                    .map(k -> FaultKind.valueOf(k.toUpperCase(Locale.ROOT).replace('-', '_'))).toList();
            List<FaultKind> round = new ArrayList<>();
            for (int i = 1; i <= settings.faults(); i++) {
                if (round.isEmpty()) {
                    round.addAll(shuffled(kinds));
                }
                FaultKind kind = round.remove(0);
                Outcome o = fault(fleet, net, links, ids, kind);
                outcomes.add(o);
                say(String.format(Locale.ROOT, "chaos: fault %d/%d %s %s held %.1f s: %s%s", i, settings.faults(),
                        kind.label(), o.target(), o.holdSeconds(),
                        o.convergeSeconds().map(s -> String.format(Locale.ROOT, "converged in %.1f s", s))
                                .orElse("DID NOT CONVERGE within " + settings.converge().toSeconds() + " s"),
                        o.note().isEmpty() ? "" : " (" + o.note() + ")"));
            }
            currentFault = "end";
            watch.pollOnce();
            watch.close();
            reported = true;
            ok = report(outcomes, watch, fleet.logs());
            return ok ? 0 : 1;
        } finally {
            if (watch != null) {
                watch.close();
            }
            links.values().forEach(ChaosLink::close);
            fleet.close();
            net.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run.
            }
            if (ok) {
                try {
                    WorkDir.delete(settings.workDir());
                } catch (IOException e) {
                    LOG.warn("chaos: cannot delete {}: {}", settings.workDir(), e.toString());
                }
            }
        }
    }

    /** The kinds in an order drawn by the seed: one round of faults. */
    private List<FaultKind> shuffled(List<FaultKind> kinds) {
        List<FaultKind> order = new ArrayList<>(kinds);
        for (int i = order.size() - 1; i > 0; i--) {
            java.util.Collections.swap(order, i, random.nextInt(i + 1));
        }
        return order;
    }

    private Outcome fault(Fleet fleet, ChaosNet net, Map<String, ChaosLink> links, List<String> ids, FaultKind kind)
            throws Exception {
        String replica = ids.get(random.nextInt(ids.size()));
        String target = kind.process() != null ? kind.process() : replica;
        // A crawl holds past the stall timeout, so that stall detection must end the step; a cut
        // sometimes does, sometimes not (the stream resumes on the same connection).
        double maxHold = settings.maxHold().toMillis() / 1000.0;
        double hold = kind == FaultKind.LINK_CRAWL ? settings.stallTimeout().toMillis() / 1000.0 + 4 + random.nextDouble() * 4
                : 1 + random.nextDouble() * Math.max(0, maxHold - 1);
        long stallsBefore = kind == FaultKind.LINK_CRAWL ? stalls(fleet, replica) : 0;
        currentFault = kind.label();
        List<String> notes = new ArrayList<>();
        publishUpdate(fleet, IMAGES.get(random.nextInt(IMAGES.size())), notes);
        // Strike while the new version is on its way: a drawn moment within its first second.
        Thread.sleep(100 + random.nextInt(900));
        long struck = System.nanoTime();
        ChaosLink link = links.get(replica);
        Path fill = fleet.replica(replica).pool().resolve(".chaos-fill");
        switch (kind) {
            case REPLICA_KILL, REPLICA_TERM -> notes.add(exit(fleet.end(replica, kind.kill()), kind));
            case LINK_CUT -> net.cut(replica);
            case LINK_CRAWL -> net.crawl(replica, CRAWL_BYTES_PER_SECOND);
            case WIRE_CORRUPT -> link.corrupt();
            case DISK_FULL -> notes.add(fillUp(fill));
            default -> notes.add(exit(fleet.end(target, kind.kill()), kind));
        }
        if (!kind.brokerDown()) {
            publishUpdate(fleet, IMAGES.get(random.nextInt(IMAGES.size())), notes);
        }
        long left = (long) (hold * 1e9) - (System.nanoTime() - struck);
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
        switch (kind) {
            case LINK_CUT, LINK_CRAWL -> net.restore(replica);
            case WIRE_CORRUPT -> link.restore();
            case DISK_FULL -> Files.deleteIfExists(fill);
            case REPLICA_KILL, REPLICA_TERM -> fleet.restart(replica);
            default -> fleet.restart(target);
        }
        if (kind == FaultKind.WIRE_CORRUPT) {
            notes.add(link.flipped.get() + " chunks flipped so far on this link");
        }
        if (kind == FaultKind.LINK_CRAWL) {
            long stalls = stalls(fleet, replica) - stallsBefore;
            notes.add(stalls > 0 ? "stall detected " + stalls + " time(s)" : "no step stalled");
        }
        double held = (System.nanoTime() - struck) / 1e9;
        Optional<Double> converged = awaitConverged(fleet, ids, settings.converge());
        if (converged.isEmpty()) {
            notes.add("not converged: " + lagging);
        }
        return new Outcome(kind, target, held, converged, String.join("; ", notes));
    }

    /** An admin update of the image's work tree (files added, changed, deleted, renamed; disk blocks rewritten) and its publication. */
    private void publishUpdate(Fleet fleet, String image, List<String> notes) {
        int n = updates.merge(image, 1, Integer::sum);
        try {
            DatasetGenerator.adminUpdate(fleet.masterPool().resolve("images").resolve(image).resolve("work"),
                    settings.seed() * 1000 + n + image.hashCode(), 0.05);
            fleet.publish(image);
        } catch (RuntimeException e) {
            // The snapshot stays on disk; the master's reconciler publishes it.
            notes.add("publishing " + image + " failed: " + e.getMessage());
            LOG.warn("chaos: publishing {} failed: {}", image, e.toString());
        }
    }

    /** The ended process's exit status; a kill that was no SIGKILL (status 137) says so. */
    private static String exit(int status, FaultKind kind) {
        return "exit " + status + (kind.kill() && status != 137 ? " (NOT a SIGKILL)" : "");
    }

    /** How often the replica's log says its stall detection ended a step. */
    private static long stalls(Fleet fleet, String replica) {
        Path log = fleet.logs().resolve(replica + ".log");
        try (var lines = Files.lines(log, java.nio.charset.StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(STALL_LINE)).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    /** Fills the pool to ENOSPC with one file; returns how much it took. */
    private static String fillUp(Path fill) throws IOException {
        long written = 0;
        byte[] chunk = new byte[1 << 20];
        new SplittableRandom(fill.hashCode()).nextBytes(chunk);
        try (OutputStream o = Files.newOutputStream(fill)) {
            while (true) {
                o.write(chunk);
                written += chunk.length;
            }
        } catch (IOException full) {
            // ENOSPC: the point of the fault.
        }
        return String.format(Locale.ROOT, "pool filled with %d MB", written >> 20);
    }

    /**
     * Waits until every replica is IN_SYNC holding the master's newest version of every image;
     * returns the seconds it took, or empty after {@code timeout}.
     */
    private Optional<Double> awaitConverged(Fleet fleet, List<String> ids, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (StatusReader reader = new StatusReader(KafkaClientSettings.of(fleet.bootstrap()), Duration.ofSeconds(15),
                    bad -> LOG.debug("status record skipped: {}", bad))) {
                StatusBoard board = new StatusBoard();
                reader.catchUp(board);
                while (System.nanoTime() < deadline) {
                    if (converged(fleet, board, ids)) {
                        return Optional.of((System.nanoTime() - start) / 1e9);
                    }
                    reader.poll(board, Duration.ofMillis(250));
                }
            } catch (RuntimeException e) {
                LOG.info("chaos: status not readable yet ({}); retrying", e.toString());
                Thread.sleep(500);
            }
        }
        return Optional.empty();
    }

    private boolean converged(Fleet fleet, StatusBoard board, List<String> ids) {
        List<String> behind = new ArrayList<>();
        for (String image : IMAGES) {
            int newest = fleet.masterRepository().versions(image).stream().mapToInt(ImageVersion::version).max()
                    .orElse(0);
            for (String id : ids) {
                Optional<ReplicationStatus> s = board.rows().stream()
                        .filter(r -> r.replicaId().equals(id) && r.image().equals(image)).findFirst();
                if (s.isEmpty() || s.get().state() != ReplicationState.IN_SYNC || !s.get().have().contains(newest)
                        || !Files.isDirectory(fleet.replica(id).pool().resolve("images").resolve(image)
                        .resolve("versions").resolve(String.valueOf(newest)))) {
                    behind.add(id + "/" + image + " " + s.map(r -> r.state() + " have " + r.have()).orElse("no status")
                            + ", master at " + newest);
                }
            }
        }
        lagging = List.copyOf(behind);
        return behind.isEmpty();
    }

    private boolean report(List<Outcome> outcomes, VisibilityWatch watch, Path logs) {
        Map<FaultKind, List<Outcome>> byKind = new EnumMap<>(FaultKind.class);
        outcomes.forEach(o -> byKind.computeIfAbsent(o.kind(), k -> new ArrayList<>()).add(o));
        out.println();
        out.printf(Locale.ROOT, "%-14s %8s %9s %10s %7s %10s%n", "fault", "injected", "converged", "median_s", "max_s",
                "violations");
        for (Map.Entry<FaultKind, List<Outcome>> e : byKind.entrySet()) {
            List<Double> secs = e.getValue().stream().flatMap(o -> o.convergeSeconds().stream()).sorted().toList();
            long v = watch.violations.stream().filter(x -> x.fault().equals(e.getKey().label())).count();
            out.printf(Locale.ROOT, "%-14s %8d %9d %10s %7s %10d%n", e.getKey().label(), e.getValue().size(),
                    secs.size(), secs.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f", median(secs)),
                    secs.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f", secs.get(secs.size() - 1)), v);
        }
        out.println();
        watch.violations.stream().limit(20).forEach(v -> out.println("  " + v.fault() + ": " + v.kind() + ": " + v.what()));
        List<Double> all = outcomes.stream().flatMap(o -> o.convergeSeconds().stream()).sorted().toList();
        long converged = all.size();
        long lost = watch.violations.stream().filter(v -> v.kind().equals("lost")).count();
        long partial = watch.violations.stream().filter(v -> v.kind().equals("partial_visible")).count();
        long violations = watch.violations.size();
        long median = all.isEmpty() ? 0 : Math.round(median(all));
        long max = all.isEmpty() ? 0 : (long) Math.ceil(all.get(all.size() - 1));
        boolean ok = converged == outcomes.size() && violations == 0;
        if (!ok) {
            out.println("chaos: logs kept in " + logs);
        }
        out.printf(Locale.ROOT,
                "chaos: faults=%d converged=%d violations=%d lost=%d partial_visible=%d median_converge_s=%d max_converge_s=%d%n",
                outcomes.size(), converged, violations, lost, partial, median, max);
        out.flush();
        return ok;
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
