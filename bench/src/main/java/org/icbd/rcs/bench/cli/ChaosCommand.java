package org.icbd.rcs.bench.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.icbd.rcs.bench.chaos.ChaosRun;
import org.icbd.rcs.bench.fleet.WorkDir;
import org.icbd.rcs.ops.cli.DurationConverter;
import org.icbd.rcs.ops.cli.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code icbd chaos}: a fault campaign against a fleet of real processes, counted. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Run a fault campaign on this machine (needs root): a fleet as the demo runs it (a broker, a "
                + "master, a planner and three replicas in sites lab-1 and lab-2, each replica reaching the master "
                + "through a link the campaign controls), two images that keep getting new versions with real "
                + "changes, and N faults drawn by the seed: SIGKILL and SIGTERM of a replica, the master, the planner "
                + "and the broker, each followed by a restart; a link cut; a link slowed to a crawl; bytes flipped on "
                + "the wire between the master and a replica; a replica's pool filled to ENOSPC, then freed.",
                "Every visible version on every replica is checked all along (read-only, received_uuid the master's "
                        + "uuid, files equal to the master's); after each fault it waits, bounded, until every replica "
                        + "is IN_SYNC. Prints a table per fault kind and ends with 'chaos: faults=<n> converged=<n> "
                        + "violations=<n> lost=<n> partial_visible=<n> median_converge_s=<n> max_converge_s=<n>'.",
                "Exit 0 only when every fault converged and nothing was lost or partly visible; 1 otherwise, "
                        + "keeping the logs."},
        footer = {"", "Examples:",
                "  ops/icbd chaos --faults 12 --seed 1",
                "  ops/icbd chaos --faults 100 --seed 7 --kinds link-cut,wire-corrupt,disk-full"})
public final class ChaosCommand implements Callable<Integer> {

    private static final List<String> KINDS = List.of("replica-kill", "replica-term", "master-kill", "master-term",
            "planner-kill", "planner-term", "broker-kill", "broker-term", "link-cut", "link-crawl", "wire-corrupt",
            "disk-full");

    @Spec
    CommandSpec spec;

    @Option(names = "--faults", defaultValue = "12", description = "Faults to inject (default: ${DEFAULT-VALUE}).")
    int faults;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of every draw: the same seed, the same campaign (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kinds", defaultValue = "all", split = ",",
            description = "Fault kinds to draw from, comma-separated, or all (default: ${DEFAULT-VALUE}): replica-kill, "
                    + "replica-term, master-kill, master-term, planner-kill, planner-term, broker-kill, broker-term, "
                    + "link-cut, link-crawl, wire-corrupt, disk-full.")
    List<String> kinds;

    @Option(names = "--files", defaultValue = "200", description = "Files in each generated image (default: ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--disk-size", defaultValue = "32M", description = "Size of each image's VM disk file (default: ${DEFAULT-VALUE}).")
    String diskSize;

    @Option(names = "--converge-timeout", defaultValue = "3m", converter = DurationConverter.class,
            description = "How long the fleet may take to converge after a fault ends (default: ${DEFAULT-VALUE}).")
    Duration converge;

    @Option(names = "--work-dir", defaultValue = "/var/tmp/icbd-chaos",
            description = "Where pools, keys and logs live (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (faults < 0) {
            throw new ParameterException(spec.commandLine(), "--faults must not be negative, got " + faults);
        }
        List<String> chosen = kinds.size() == 1 && kinds.get(0).equals("all") ? KINDS
                : kinds.stream().map(k -> k.strip().toLowerCase(Locale.ROOT)).toList();
        for (String k : chosen) {
            if (!KINDS.contains(k)) {
                throw new ParameterException(spec.commandLine(), "--kinds: '" + k + "' is not one of "
                        + String.join(", ", KINDS));
            }
        }
        long disk = Sizes.parse(diskSize, "--disk-size");
        WorkDir.reset(workDir);
        return new ChaosRun(new ChaosRun.Settings(faults, seed, workDir, files, disk, converge, chosen,
                ChaosRun.MAX_HOLD, ChaosRun.STALL_TIMEOUT),
                spec.commandLine().getOut()).run();
    }
}
