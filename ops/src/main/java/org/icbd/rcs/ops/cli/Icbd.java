package org.icbd.rcs.ops.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code icbd} command line: one entry point for admins, operators and the services.
 * Exit codes: 0 success, 1 the operation failed (the message says why), 2 bad usage; a subcommand
 * may add its own (see {@code icbd publish --help}).
 */
@Command(name = "icbd", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Replication and Caching Service for versioned btrfs machine images (iMIs).",
        subcommands = {
                CommandLine.HelpCommand.class,
                ImageCommand.class,
                PublishCommand.class,
                MasterCommand.class,
                LocalKafkaCommand.class,
                TopicsCommand.class,
                PoolCommand.class,
                ReplicaCommand.class,
                StatusCommand.class,
                DemoCommand.class,
                PlanCommand.class,
                PlannerCommand.class,
                DatasetCommand.class,
                BenchCommand.class,
        })
public final class Icbd implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one invocation and returns its exit code; used by tests so they need no subprocess. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Runs one invocation writing to the given streams; for tests. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    static CommandLine commandLine() {
        return new CommandLine(new Icbd()).setExecutionExceptionHandler(new FailureHandler());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
