package org.icbd.rcs.ops.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code icbd} command line: one entry point for admins, operators and the services.
 * Exit codes: 0 success, 1 the operation failed (the message says why), 2 bad usage; a subcommand
 * may add its own (see {@code icbd publish --help}).
 *
 * <p>Bad usage is never mistaken for a request for help or the version: an argument that matches
 * nothing (a mistyped subcommand, say) fails with 2 whatever follows it, and the version is printed
 * only for {@code icbd --version} on its own. Picocli alone would print the version and exit 0 for
 * {@code icbd retier --version 3}, which an admin script would take for success.
 */
@Command(name = "icbd", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Replication and Caching Service for versioned btrfs machine images (iMIs).",
        footer = {"", "The tooling (demo, bench, dataset) is not in this jar: ops/icbd runs it from the tools jar."},
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
                ReplicasCommand.class,
                PlanCommand.class,
                PruneCommand.class,
                RetireCommand.class,
                PlannerCommand.class,
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
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    /**
     * The {@code icbd} command line with its failure handling and usage checks; a program that offers
     * more subcommands adds them to it before {@code execute}.
     */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Icbd()).setExecutionExceptionHandler(new FailureHandler());
        commandLine.setExecutionStrategy(new StrictUsage(commandLine.getExecutionStrategy()));
        return commandLine;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /**
     * Refuses, before anything runs, what picocli lets through when a help or version option is
     * present: arguments that match nothing, and {@code --version} anywhere but alone after
     * {@code icbd}. The refusal is a {@link CommandLine.ParameterException}, so it exits 2.
     */
    static final class StrictUsage implements CommandLine.IExecutionStrategy {

        private final CommandLine.IExecutionStrategy next;

        StrictUsage(CommandLine.IExecutionStrategy next) {
            this.next = next;
        }

        @Override
        public int execute(CommandLine.ParseResult parseResult) {
            for (CommandLine.ParseResult level = parseResult; level != null; level = level.subcommand()) {
                List<String> unmatched = level.unmatched();
                if (!unmatched.isEmpty()) {
                    throw unmatched(level.commandSpec().commandLine(), unmatched);
                }
                if (level.isVersionHelpRequested()
                        && (level != parseResult || parseResult.originalArgs().size() != 1)) {
                    throw new CommandLine.ParameterException(level.commandSpec().commandLine(),
                            "--version is only for '" + parseResult.commandSpec().name() + " --version' on its own, got: "
                                    + String.join(" ", parseResult.originalArgs()));
                }
            }
            return next.execute(parseResult);
        }

        private static CommandLine.ParameterException unmatched(CommandLine commandLine, List<String> unmatched) {
            String first = unmatched.get(0);
            boolean subcommandExpected = !commandLine.getSubcommands().isEmpty() && !first.startsWith("-");
            String message = subcommandExpected
                    ? "unknown subcommand '" + first + "' of '" + commandLine.getCommandSpec().qualifiedName() + "'"
                    : "unknown argument" + (unmatched.size() > 1 ? "s " : " ") + "'" + String.join("', '", unmatched)
                            + "' for '" + commandLine.getCommandSpec().qualifiedName() + "'";
            // Picocli appends this to its own "Unmatched arguments from index n: ..." line.
            return new CommandLine.UnmatchedArgumentException(commandLine, unmatched, System.lineSeparator() + message);
        }
    }
}
