package org.icbd.rcs.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.icbd.rcs.bench.dataset.AdminUpdate;
import org.icbd.rcs.bench.dataset.Dataset;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.bench.fleet.Fleet;
import org.icbd.rcs.bench.fleet.KeptProcess;
import org.icbd.rcs.bench.fleet.PathUsers;
import org.icbd.rcs.bench.fleet.StepLedger;
import org.icbd.rcs.bench.process.ChildJvm;
import org.icbd.rcs.btrfs.LoopPool;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.ops.cli.DurationConverter;
import org.icbd.rcs.ops.cli.Sizes;
import org.icbd.rcs.master.status.StatusBoard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code icbd demo}: the whole system on one machine, end to end, checked. Exit 0 only when both
 * replicas hold every version byte for byte as the master has it.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole system on this machine (needs root): a Kafka broker, a master, a planner "
                + "and two replicas (sites lab-110 and lab-112) as separate processes on loop-mounted btrfs pools. "
                + "Publishes three versions of a generated iMI (a file tree and a sparse VM disk), waits until both "
                + "replicas are IN_SYNC, verifies every file against the master byte for byte, prints the status "
                + "and the bytes sent per step, then tears everything down.",
                "Exit 0 only when all of that held."},
        footer = {"", "Examples:",
                "  ops/demo                      # run, verify, tear down",
                "  ops/demo --keep               # leave it running to explore (icbd status, curl, ...)",
                "  ops/demo --replicas-per-site 2  # two replicas per site: one serves its site, the other pulls from it",
                "  ops/demo --stop               # tear down a demo left running with --keep"})
public final class DemoCommand implements Callable<Integer> {

    static final String IMAGE = "ubuntu";
    static final int KEEP = 3;
    static final List<String[]> REPLICAS = List.of(new String[] {"lab-110-a", "lab-110"},
            new String[] {"lab-112-a", "lab-112"});
    private static final String STATE_FILE = "demo.state";
    /** The fleet's endpoints ({@link org.icbd.rcs.bench.fleet.FleetEndpoints}), written once everything runs. */
    static final String ENDPOINTS_FILE = "fleet.json";

    @Spec
    CommandSpec spec;

    @Option(names = "--work-dir", defaultValue = "/var/tmp/icbd-demo",
            description = "Where pools, keys, logs and the broker's data live (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--files", defaultValue = "3000", description = "Files in the generated tree (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--disk-size", defaultValue = "300M", description = "Size of the generated VM disk file (default: ${DEFAULT-VALUE}).")
    String diskSize;

    @Option(names = "--replicas-per-site", defaultValue = "1",
            description = "Replicas in each of the two sites (1 or 2; default: ${DEFAULT-VALUE}). With 2, the first of"
                    + " each site serves its site (site peers) and the second trusts it and the master; the demo prints"
                    + " the bytes the master served and the bytes the peers served.")
    int replicasPerSite;

    @Option(names = "--keep", description = "Leave everything running afterwards and print how to stop it.")
    boolean keep;

    @Option(names = "--stop", description = "Tear down a demo left running by --keep, and exit.")
    boolean stop;

    @Option(names = "--timeout", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long to wait for the replicas to converge (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    private PrintWriter out;
    private StepLedger ledger;
    private long started;
    private int stepNumber;
    private static final int STEPS = 9;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (stop) {
            return stopKept();
        }
        if (replicasPerSite < 1 || replicasPerSite > 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--replicas-per-site must be 1 or 2, was " + replicasPerSite);
        }
        if (Files.exists(workDir.resolve(STATE_FILE))) {
            throw new IllegalStateException("a demo left running with --keep is in " + workDir
                    + ": stop it first with 'ops/demo --stop'");
        }
        if (Files.isDirectory(workDir.resolve("mnt"))) {
            // A demo that was killed: take down whatever it left mounted before starting afresh.
            try (var mounts = Files.list(workDir.resolve("mnt"))) {
                for (Path m : mounts.toList()) {
                    LoopPool.destroy(workDir.resolve("pools").resolve(m.getFileName() + ".img"), m);
                }
            }
        }
        deleteRecursively(workDir);
        started = System.nanoTime();
        Fleet fleet = new Fleet(new Fleet.Settings(workDir, 4L << 30, Duration.ofMinutes(2), "384m",
                Duration.ofSeconds(20)));
        boolean ok = false;
        try {
            ok = run(fleet);
            return ok ? 0 : 1;
        } finally {
            if (keep && ok) {
                keepRunning(fleet);
            } else {
                step("tearing down");
                if (ledger != null) {
                    ledger.close();
                }
                fleet.close();
                if (ok) {
                    deleteRecursively(workDir);
                } else {
                    out.println("logs kept in " + fleet.logs());
                }
                out.printf(Locale.ROOT, "done in %.1f s%n", seconds());
                out.flush();
            }
        }
    }

    private boolean run(Fleet fleet) throws IOException {
        step("starting the Kafka broker");
        String bootstrap = fleet.startKafka();
        detail("bootstrap " + bootstrap);
        ledger = new StepLedger(bootstrap);

        step("starting the master (SSH send service, HTTP API) on a loop-mounted btrfs pool");
        fleet.startMaster();
        detail("ssh 127.0.0.1:" + fleet.sshPort() + ", http://127.0.0.1:" + fleet.httpPort() + "/images");

        step(replicasPerSite == 1 ? "starting the planner and two replicas (sites lab-110 and lab-112)"
                : "starting the planner and four replicas (sites lab-110 and lab-112, two each: one serves its site)");
        fleet.startPlanner();
        List<String> ids = new ArrayList<>();
        for (String[] r : REPLICAS) {
            if (replicasPerSite == 1) {
                fleet.addReplica(r[0], r[1], List.of(IMAGE + ":" + KEEP));
                ids.add(r[0]);
                continue;
            }
            fleet.addReplica(r[0], r[1], List.of(IMAGE + ":" + KEEP), 0, Fleet.Peering.serving(2));
            String second = r[1] + "-b";
            fleet.addReplica(second, r[1], List.of(IMAGE + ":" + KEEP), 0, Fleet.Peering.trusting(r[0]));
            ids.add(r[0]);
            ids.add(second);
            detail(r[0] + " serves site " + r[1] + " on 127.0.0.1:" + fleet.replica(r[0]).servePort().getAsInt()
                    + "; " + second + " trusts it and the master");
        }
        detail("replicas " + String.join(", ", ids) + " subscribe to " + IMAGE + " keeping " + KEEP + " versions");
        fleet.endpoints().write(workDir.resolve(ENDPOINTS_FILE));
        detail("endpoints in " + workDir.resolve(ENDPOINTS_FILE));

        step("creating iMI '" + IMAGE + "' and publishing version 1");
        Path work = fleet.initImage(IMAGE);
        Dataset data = DatasetGenerator.generate(work, new DatasetSpec(110, files, Sizes.parse(diskSize, "--disk-size")));
        detail(String.format(Locale.ROOT, "%d files (%.0f MB) and a %.0f MB sparse disk image (%.0f MB of data)",
                data.files(), data.treeBytes() / 1e6, data.diskImageBytes() / 1e6, data.diskDataBytes() / 1e6));
        published(fleet.publish(IMAGE));

        step("admin updates: publishing versions 2 and 3");
        for (int seed = 2; seed <= 3; seed++) {
            AdminUpdate update = DatasetGenerator.adminUpdate(work, 1000 + seed, 0.10);
            detail(String.format(Locale.ROOT, "update: %d added, %d modified, %d deleted, %d renamed, %.0f%% of the disk's blocks rewritten",
                    update.added().size(), update.modified().size(), update.deleted().size(), update.renamed().size(),
                    update.diskFractionRewritten() * 100));
            published(fleet.publish(IMAGE));
        }

        step("waiting until " + (ids.size() == 2 ? "both replicas are" : "every replica is") + " IN_SYNC at version 3");
        Progress progress = new Progress(out);
        StatusBoard board = fleet.awaitInSync(IMAGE, 3, ids, timeout, progress::show);
        progress.end();
        out.println();
        out.print(board.render());

        step("verifying every file on " + (ids.size() == 2 ? "both replicas" : "every replica")
                + " against the master, byte for byte");
        boolean allOk = true;
        for (String id : ids) {
            List<Fleet.VersionCheck> checks = fleet.verify(id, IMAGE);
            for (Fleet.VersionCheck c : checks) {
                allOk &= c.ok();
                detail(String.format(Locale.ROOT, "%s %s v%d: %s (%d files, %.0f MB compared; received_uuid %s; %s)",
                        id, IMAGE, c.version(), c.comparison().identical() ? "identical" : "DIFFERENT",
                        c.comparison().files(), c.comparison().bytes() / 1e6,
                        c.uuidMatches() ? "matches the master's uuid" : "DOES NOT MATCH",
                        c.readOnly() ? "read-only" : "WRITABLE"));
                c.comparison().differences().forEach(d -> detail("  " + d));
            }
            List<Integer> held = checks.stream().map(Fleet.VersionCheck::version).toList();
            if (!held.equals(List.of(1, 2, 3))) {
                allOk = false;
                detail(id + " holds versions " + held + ", expected [1, 2, 3]");
            }
        }

        step("bytes sent per step");
        List<StepLedger.Row> rows = ledger.rows();
        out.print(StepLedger.render(rows));
        if (replicasPerSite > 1) {
            Map<String, Long> bySource = StepLedger.bySource(rows);
            long master = bySource.get(Sources.MASTER);
            long peers = bySource.values().stream().mapToLong(Long::longValue).sum() - master;
            out.println();
            out.printf(Locale.ROOT, "served by the master: %,d bytes; served by peers: %,d bytes%n", master, peers);
            for (String[] r : REPLICAS) {
                long site = rows.stream().filter(row -> row.source().equals(Sources.MASTER)
                        && fleet.replica(row.replicaId()).site().equals(r[1])).mapToLong(StepLedger.Row::bytes).sum();
                out.printf(Locale.ROOT, "  master to site %s: %,d bytes; %s to its site: %,d bytes%n", r[1], site, r[0],
                        bySource.getOrDefault(r[0], 0L));
            }
        }
        out.println();
        out.println(allOk ? "demo: OK: " + (ids.size() == 2 ? "both replicas hold" : "all " + ids.size()
                + " replicas hold") + " versions 1-3, identical to the master"
                : "demo: FAILED: see the differences above; logs are in " + fleet.logs());
        out.flush();
        if (!allOk) {
            keep = false;
        }
        return allOk;
    }

    private void keepRunning(Fleet fleet) throws IOException {
        fleet.pools().forEach(LoopPool::keepAfterExit);
        List<String> lines = new ArrayList<>();
        for (ChildJvm p : fleet.processes()) {
            // Identity, not just the pid: --stop signals only the very process recorded here.
            KeptProcess.of(p.pid(), p.name()).map(KeptProcess::line).ifPresent(lines::add);
        }
        for (LoopPool pool : fleet.pools()) {
            lines.add("pool " + pool.backingFile() + " " + pool.mountPoint());
        }
        Files.write(workDir.resolve(STATE_FILE), lines);
        fleet.endpoints().write(workDir.resolve(ENDPOINTS_FILE));
        Path work = fleet.masterPool().resolve("images").resolve(IMAGE).resolve("work");
        out.println();
        out.println("Everything is left running (work dir " + workDir + "):");
        out.println("  status page:     http://127.0.0.1:" + fleet.httpPort() + "/");
        out.println("  master:          SSH port " + fleet.sshPort() + ", HTTP API http://127.0.0.1:" + fleet.httpPort()
                + "/images/" + IMAGE + "/versions, metrics http://127.0.0.1:" + fleet.httpPort() + "/metrics");
        out.println("  Kafka bootstrap: " + fleet.bootstrap());
        for (Fleet.Replica r : fleet.replicas()) {
            out.println("  replica " + r.id() + " (site " + r.site() + "): metrics http://127.0.0.1:" + r.httpPort()
                    + "/metrics, versions in " + r.pool().resolve("images").resolve(IMAGE).resolve("versions")
                    + r.servePort().stream().mapToObj(p -> ", serves its site on SSH port " + p).findFirst().orElse(""));
        }
        out.println("  planner:         metrics http://127.0.0.1:" + fleet.plannerHttpPort() + "/metrics");
        out.println("  endpoints:       " + workDir.resolve(ENDPOINTS_FILE));
        out.println("  logs:            " + fleet.logs() + " (one file per process)");
        out.println("Publish a new version: edit files under " + work + ", then");
        out.println("  ops/icbd publish --pool " + fleet.masterPool() + " --image " + IMAGE + " --bootstrap "
                + fleet.bootstrap());
        out.println("and watch it arrive: ops/icbd status --watch --bootstrap " + fleet.bootstrap());
        out.println("Stop it with: ops/demo --stop" + (workDir.equals(Path.of("/var/tmp/icbd-demo")) ? "" : " --work-dir " + workDir));
        out.flush();
    }

    /**
     * Stops exactly the processes the state file records (each verified by pid, start time and
     * command line before it is signalled), then destroys each pool nothing uses any more, then
     * deletes the work directory if nothing uses it. What could not be done is said, stays in the
     * state file for the next {@code --stop}, and makes the exit status 1. Never a lazy unmount,
     * never a delete under a running process.
     */
    private int stopKept() throws IOException {
        Path state = workDir.resolve(STATE_FILE);
        if (!Files.exists(state)) {
            out.println("no demo is running in " + workDir);
            return 0;
        }
        List<String> left = new ArrayList<>();
        List<String> lines = Files.readAllLines(state);
        for (String line : lines) {
            if (!KeptProcess.isLine(line)) {
                continue;
            }
            KeptProcess kept;
            try {
                kept = KeptProcess.parse(line);
            } catch (IllegalArgumentException e) {
                out.println("not signalled: " + e.getMessage() + "; stop that process by hand if it is the demo's");
                continue;
            }
            if (!kept.isRunning()) {
                out.println(kept.name() + " (pid " + kept.pid() + ") is not running");
                continue;
            }
            if (stop(kept)) {
                out.println("stopped " + kept.name() + " (pid " + kept.pid() + ")");
            } else {
                out.println("could not stop " + kept.name() + " (pid " + kept.pid() + ")");
                left.add(line);
            }
        }
        for (String line : lines) {
            String[] f = line.split(" ");
            if (!f[0].equals("pool")) {
                continue;
            }
            Path mount = Path.of(f[2]);
            List<PathUsers.User> users = PathUsers.of(mount);
            if (!users.isEmpty()) {
                users.forEach(u -> out.println(mount + " is in use by pid " + u.pid() + " (" + u.command()
                        + "): not unmounted"));
                left.add(line);
                continue;
            }
            try {
                LoopPool.destroy(Path.of(f[1]), mount);
                out.println("destroyed pool " + f[1]);
            } catch (RuntimeException e) {
                out.println("cannot destroy pool " + f[1] + ": " + e.getMessage());
                left.add(line);
            }
        }
        List<PathUsers.User> users = left.isEmpty() ? PathUsers.of(workDir) : List.of();
        users.forEach(u -> out.println(workDir + " is in use by pid " + u.pid() + " (" + u.command()
                + "): not deleted"));
        if (!left.isEmpty() || !users.isEmpty()) {
            Files.write(state, left);
            out.println("demo not fully stopped: stop what is listed above, then run 'ops/demo --stop' again");
            return 1;
        }
        deleteRecursively(workDir);
        out.println("demo stopped");
        return 0;
    }

    /** SIGTERM, then SIGKILL after 30 s; true once the recorded process is gone. */
    private static boolean stop(KeptProcess kept) {
        Optional<ProcessHandle> handle = ProcessHandle.of(kept.pid());
        if (handle.isEmpty() || !kept.isRunning()) {
            return true;
        }
        ProcessHandle p = handle.get();
        p.destroy();
        try {
            p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception notStopped) {
            if (kept.isRunning()) {
                p.destroyForcibly();
                try {
                    p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception stillThere) {
                    return !kept.isRunning();
                }
            }
        }
        return true;
    }

    private void step(String what) {
        out.printf(Locale.ROOT, "%n[%d/%d] %s (%.1f s)%n", ++stepNumber, STEPS, what, seconds());
        out.flush();
    }

    private void detail(String line) {
        out.println("      " + line);
        out.flush();
    }

    private void published(ImageVersionPublished e) {
        detail("published " + e.image() + " version " + e.version() + " uuid " + e.uuid());
    }

    private double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One line per change of the board while waiting: what each replica is doing. */
    private static final class Progress {
        private final PrintWriter out;
        private final boolean terminal = System.console() != null;
        private String last = "";

        Progress(PrintWriter out) {
            this.out = out;
        }

        void show(StatusBoard board) {
            String line = board.rows().stream().map(Progress::describe).collect(Collectors.joining(" | "));
            if (line.isEmpty() || line.equals(last)) {
                return;
            }
            last = line;
            if (terminal) {
                out.print("\r\033[K      " + line);
            } else {
                out.println("      " + line);
            }
            out.flush();
        }

        void end() {
            if (terminal) {
                out.println();
            }
        }

        private static String describe(ReplicationStatus s) {
            String have = s.have().isEmpty() ? "-" : s.have().stream().map(String::valueOf).collect(Collectors.joining(","));
            String base = s.replicaId() + " " + s.state() + " have " + have
                    + s.lastError().map(e -> " (" + e.lines().findFirst().orElse("") + ")").orElse("");
            return s.transfer().map(t -> base + String.format(Locale.ROOT, " receiving v%d %.0f MB @ %.0f MB/s",
                    t.version(), t.bytes() / 1e6, t.bytesPerSecond() / 1e6)).orElse(base);
        }
    }
}
