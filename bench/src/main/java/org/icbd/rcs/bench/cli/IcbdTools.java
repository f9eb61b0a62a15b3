package org.icbd.rcs.bench.cli;

import java.io.PrintWriter;
import org.icbd.rcs.ops.cli.Icbd;
import picocli.CommandLine;

/**
 * The entry point of the tools jar ({@code bench/target/icbd-tools.jar}): every {@code icbd}
 * subcommand, with the same usage checks and exit codes, plus the tooling that stays out of the
 * services' jar: {@code demo}, {@code bench} (with its hidden site commands), {@code dataset}, {@code simulate}, {@code fuzz} and {@code chaos}.
 */
public final class IcbdTools {

    private IcbdTools() {
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Runs one invocation writing to the given streams; for tests. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    /** {@link Icbd#commandLine()} with the tooling subcommands added. */
    public static CommandLine commandLine() {
        CommandLine commandLine = Icbd.commandLine()
                .addSubcommand(new DemoCommand())
                .addSubcommand(new DatasetCommand())
                .addSubcommand(new BenchCommand())
                .addSubcommand(new SimulateCommand())
                .addSubcommand(new FuzzCommand())
                .addSubcommand(new ChaosCommand());
        commandLine.getCommandSpec().usageMessage().footer(new String[0]);
        return commandLine;
    }
}
