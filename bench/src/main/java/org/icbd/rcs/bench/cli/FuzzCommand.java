package org.icbd.rcs.bench.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.icbd.rcs.bench.fleet.WorkDir;
import org.icbd.rcs.bench.fuzz.FuzzRun;
import org.icbd.rcs.ops.cli.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code icbd fuzz}: every reader of outside input, fed random and mutated inputs, counted. */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Fuzz every reader of outside input (needs root): the transfer-request grammar and the event "
                + "reader of every topic, in process, with random and mutated inputs (valid ones mutated byte by "
                + "byte and field by field, each verdict checked against an independent oracle); then, on a fleet "
                + "of real processes (broker, master, planner, replica), request lines through real SSH to the "
                + "master and poison records into every topic a service consumes.",
                "Ends with 'fuzz: inputs=<n> accepted_bad=<n> crashed=<n> dead_lettered=<n>'. Exit 0 only when no "
                        + "bad input was accepted, nothing crashed, every poison record is in icbd.dead-letters and "
                        + "the services kept working (a new version still reaches the replica); 1 otherwise, "
                        + "keeping the logs."},
        footer = {"", "Examples:",
                "  ops/icbd fuzz --inputs 100000 --seed 7",
                "  ops/icbd fuzz --inputs 2000 --ssh-inputs 2000 --seed 1    # a quick run"})
public final class FuzzCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--inputs", defaultValue = "100000",
            description = "Inputs fed to the grammar and the event readers in process (default: ${DEFAULT-VALUE}).")
    long inputs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of every random draw: the same seed, the same inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ssh-inputs", defaultValue = "2000",
            description = "Request lines sent to the master through SSH (default: ${DEFAULT-VALUE}).")
    long sshInputs;

    @Option(names = "--poison", defaultValue = "6",
            description = "Poison records per record kind a service consumes (default: ${DEFAULT-VALUE}).")
    int poison;

    @Option(names = "--work-dir", defaultValue = "/var/tmp/icbd-fuzz",
            description = "Where the fleet's pools, keys and logs live (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--timeout", defaultValue = "3m", converter = DurationConverter.class,
            description = "How long the replica may take to reach a version (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        if (inputs < 0 || sshInputs < 0 || poison < 0) {
            throw new ParameterException(spec.commandLine(), "--inputs, --ssh-inputs and --poison must not be negative");
        }
        WorkDir.reset(workDir);
        return new FuzzRun(new FuzzRun.Settings(inputs, seed, sshInputs, poison, workDir, timeout),
                spec.commandLine().getOut()).run();
    }
}
