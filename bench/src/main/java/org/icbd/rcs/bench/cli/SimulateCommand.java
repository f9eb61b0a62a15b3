package org.icbd.rcs.bench.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.icbd.rcs.bench.simulate.Simulation;
import org.icbd.rcs.bench.simulate.SimulationResult;
import org.icbd.rcs.bench.simulate.SimulationSettings;
import org.icbd.rcs.ops.cli.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code icbd simulate}: a fleet of simulated replicas (no btrfs) following versions through the
 * real planner on a real broker, for the planner's scale figures.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Runs simulated replicas against the real planner (child JVMs) on a real broker: they register,"
                + " heartbeat every 10 s as replica services do, subscribe to 3 images each and acknowledge each task"
                + " with the state it would produce after a delay drawn per step.",
                "Prints publish-to-task latency (p50, p99), acknowledgement-to-all-IN_SYNC time, the planner's"
                        + " records per second, its idle CPU with heartbeats only, its peak RSS and the false OFFLINE"
                        + " transitions, and ends with one 'simulate: ...' line."},
        footer = {"", "Examples:",
                "  icbd simulate --replicas 30000 --images 20 --sites 50 --versions 5",
                "  icbd simulate --replicas 1000 --versions 2 --planners 2",
                "", "Exit status: 0 converged with no false OFFLINE, 1 otherwise, 2 bad option."})
public final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--replicas", required = true, paramLabel = "N", description = "Simulated replicas.")
    int replicas;

    @Option(names = "--images", defaultValue = "20", paramLabel = "N",
            description = "Images, all published at once each round (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--sites", defaultValue = "50", paramLabel = "N", description = "Sites (default: ${DEFAULT-VALUE}).")
    int sites;

    @Option(names = "--versions", defaultValue = "5", paramLabel = "N",
            description = "Versions published per image (default: ${DEFAULT-VALUE}).")
    int versions;

    @Option(names = "--planners", defaultValue = "1", paramLabel = "1|2",
            description = "Planner instances (default: ${DEFAULT-VALUE}).")
    int planners;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,...]",
            description = "An existing cluster whose topics exist (icbd topics ensure); default: a local broker is started.")
    String bootstrap;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Logs, planner state and the local broker's data (default: a new directory under /var/tmp).")
    Path workDir;

    @Option(names = "--idle", defaultValue = "20s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Heartbeats alone before the first version, to measure idle CPU (default: ${DEFAULT-VALUE}).")
    Duration idle;

    @Option(names = "--round-timeout", defaultValue = "5m", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long one round of versions may take to converge (default: ${DEFAULT-VALUE}).")
    Duration roundTimeout;

    @Option(names = "--planner-heap", defaultValue = "768m", paramLabel = "SIZE",
            description = "Each planner's -Xmx (default: ${DEFAULT-VALUE}).")
    String plannerHeap;

    @Option(names = "--planner-jvm-option", paramLabel = "OPTION",
            description = "One more option for each planner JVM, e.g. -XX:StartFlightRecording=filename=planner.jfr"
                    + " (repeatable).")
    List<String> plannerJvmOptions = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        if (planners < 1 || planners > 2) {
            throw new ParameterException(spec.commandLine(), "--planners must be 1 or 2, got " + planners);
        }
        if (!plannerHeap.matches("[1-9][0-9]*[kmgKMG]")) {
            throw new ParameterException(spec.commandLine(), "--planner-heap must look like 768m or 1g, got '"
                    + plannerHeap + "'");
        }
        SimulationSettings settings;
        try {
            Path dir = workDir != null ? workDir : Files.createTempDirectory(Path.of("/var/tmp"), "icbd-simulate-");
            settings = SimulationSettings.of(replicas, images, sites, versions, planners, dir)
                    .withIdleWindow(idle).withRoundTimeout(roundTimeout).withPlannerHeap(plannerHeap)
                    .withPlannerJvmOptions(plannerJvmOptions);
            if (bootstrap != null) {
                settings = settings.withBootstrap(bootstrap);
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a work directory under /var/tmp: " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("simulate: work directory %s (planner logs under logs/)%n", settings.workDir());
        out.flush();
        SimulationResult result;
        try (Simulation simulation = new Simulation(settings, out)) {
            result = simulation.run(null);
        }
        result.print(out);
        return result.ok() ? 0 : 1;
    }
}
