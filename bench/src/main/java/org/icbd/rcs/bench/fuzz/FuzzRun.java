package org.icbd.rcs.bench.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.icbd.rcs.bench.fleet.Fleet;
import org.icbd.rcs.bench.process.ChildJvm;
import org.icbd.rcs.kafka.KafkaClientSettings;

/**
 * {@code icbd fuzz}: the readers in process, then a live fleet (broker, master, planner, replica,
 * each its own JVM): request lines through real SSH to the master, poison records into every
 * consumed topic, and last a new version that must still reach the replica.
 */
public final class FuzzRun {

    /**
     * @param inputs      inputs fed to the readers in process
     * @param sshInputs   request lines sent to the master over SSH
     * @param poisonPerKind poison records per consumed record kind
     */
    public record Settings(long inputs, long seed, long sshInputs, int poisonPerKind, Path workDir,
                           Duration timeout) {
    }

    static final String IMAGE = "fuzz";
    static final String REPLICA = "fuzz-a";

    private final Settings settings;
    private final PrintWriter out;

    public FuzzRun(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs everything; returns the exit status (0 only when nothing bad was accepted, nothing crashed, all poison was dead-lettered). */
    public int run() throws Exception {
        SplittableRandom random = new SplittableRandom(settings.seed());
        List<Tally> tallies = new ArrayList<>();
        out.printf(Locale.ROOT, "fuzz: %d inputs to the grammar and the event readers (seed %d)%n", settings.inputs(),
                settings.seed());
        out.flush();
        Map<String, Tally> readers = new ReaderFuzz(random.split(), List.of(IMAGE)).run(settings.inputs());
        tallies.addAll(readers.values());

        long poisonCount = 0;
        long deadLettered = 0;
        long servicesCrashed = 0;
        List<String> notes = new ArrayList<>();
        boolean ok = false;
        Fleet fleet = new Fleet(new Fleet.Settings(settings.workDir(), 1L << 30, Duration.ofMinutes(2), "256m",
                Duration.ofSeconds(20)));
        Thread hook = new Thread(fleet::close, "icbd-fuzz-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.println("fuzz: starting a fleet (broker, master, planner, replica " + REPLICA + ")");
            out.flush();
            Path fuzzerKey = fleet.authorizeClient("fuzzer");
            String bootstrap = fleet.startKafka();
            fleet.startMaster();
            fleet.startPlanner();
            Path work = fleet.initImage(IMAGE);
            Files.writeString(work.resolve("hello.txt"), "version 1\n");
            fleet.publish(IMAGE);
            fleet.addReplica(REPLICA, "lab-1", List.of(IMAGE + ":2"));
            fleet.awaitInSync(IMAGE, 1, List.of(REPLICA), settings.timeout(), b -> { });

            out.printf(Locale.ROOT, "fuzz: %d request lines through SSH to the master on 127.0.0.1:%d%n",
                    settings.sshInputs(), fleet.sshPort());
            out.flush();
            try (SshFuzz ssh = new SshFuzz("127.0.0.1", fleet.sshPort(), fleet.masterHostKeyPin(), fuzzerKey, "icbd")) {
                tallies.add(ssh.run(new RequestLines(List.of(IMAGE), random.split()), settings.sshInputs()));
            }

            PoisonRun poison = new PoisonRun(KafkaClientSettings.of(bootstrap), random.split(), REPLICA, IMAGE);
            List<PoisonRun.Poison> written = poison.write(settings.poisonPerKind());
            poisonCount = written.size();
            out.printf(Locale.ROOT, "fuzz: %d poison records into the consumed topics; waiting for them in the dead letters%n",
                    poisonCount);
            out.flush();
            List<PoisonRun.Poison> found = poison.awaitDeadLettered(written, Duration.ofSeconds(90));
            deadLettered = found.size();
            for (PoisonRun.Poison p : written) {
                if (!found.contains(p)) {
                    notes.add("not dead-lettered: " + p.where() + " (" + p.mutation() + ")");
                }
            }
            for (ChildJvm p : fleet.processes()) {
                if (!p.isAlive()) {
                    servicesCrashed++;
                    notes.add("service " + p.name() + " died: exit " + p.exitStatus().orElse(-1) + "; log "
                            + p.logFile());
                }
            }
            if (servicesCrashed == 0) {
                Files.writeString(work.resolve("hello.txt"), "version 2\n");
                fleet.publish(IMAGE);
                try {
                    fleet.awaitInSync(IMAGE, 2, List.of(REPLICA), settings.timeout(), b -> { });
                    notes.add("after the poison, version 2 reached " + REPLICA + ": the services kept working");
                } catch (IllegalStateException e) {
                    servicesCrashed++;
                    notes.add("after the poison, version 2 did not reach " + REPLICA + ": " + e.getMessage());
                }
            }
            long inputs = poisonCount;
            long acceptedBad = 0;
            long crashed = servicesCrashed;
            out.println();
            out.printf(Locale.ROOT, "%-44s %8s %8s %8s %12s %8s %13s%n", "reader", "inputs", "accepted", "rejected",
                    "accepted_bad", "crashed", "rejected_good");
            for (Tally t : tallies) {
                out.printf(Locale.ROOT, "%-44s %8d %8d %8d %12d %8d %13d%n", t.reader, t.inputs, t.accepted,
                        t.rejected, t.acceptedBad, t.crashed, t.rejectedGood);
                inputs += t.inputs;
                acceptedBad += t.acceptedBad;
                crashed += t.crashed;
            }
            out.printf(Locale.ROOT, "%-44s %8d %8s %8s %12s %8d %13s%n", "poison records (dead-lettered: "
                    + deadLettered + ")", poisonCount, "", "", "", servicesCrashed, "");
            out.println();
            for (Tally t : tallies) {
                t.findings.forEach(f -> out.println("  " + t.reader + ": " + f));
            }
            notes.forEach(n -> out.println("  " + n));
            ok = acceptedBad == 0 && crashed == 0 && deadLettered == poisonCount;
            if (!ok) {
                out.println("fuzz: logs kept in " + fleet.logs());
            }
            out.printf(Locale.ROOT, "fuzz: inputs=%d accepted_bad=%d crashed=%d dead_lettered=%d%n", inputs,
                    acceptedBad, crashed, deadLettered);
            out.flush();
            return ok ? 0 : 1;
        } finally {
            fleet.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run: nothing to remove.
            }
            if (ok) {
                deleteQuietly(settings.workDir());
            }
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            org.icbd.rcs.bench.fleet.WorkDir.delete(dir);
        } catch (IOException e) {
            // The run's verdict stands; a leftover directory is reported, not fatal.
            System.err.println("fuzz: cannot delete " + dir + ": " + e.getMessage());
        }
    }
}
