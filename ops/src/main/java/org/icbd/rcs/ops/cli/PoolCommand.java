package org.icbd.rcs.ops.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.icbd.rcs.btrfs.LoopPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code icbd pool create|destroy}: file-backed loop-mounted btrfs pools for demos, labs and benches. */
@Command(name = "pool", mixinStandardHelpOptions = true,
        description = "Create or destroy a file-backed, loop-mounted btrfs pool (needs root).",
        subcommands = {PoolCommand.Create.class, PoolCommand.Destroy.class})
public final class PoolCommand {

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Make a sparse file, format it as btrfs and mount it; it stays mounted after the command ends.",
            footer = {"", "Example:", "  icbd pool create --file /var/tmp/master.img --mount /srv/icbd/master --size 4G"})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--file", required = true, description = "The backing file to create (must not exist).")
        Path file;

        @Option(names = "--mount", required = true, description = "Where to mount it (created; must be empty).")
        Path mount;

        @Option(names = "--size", defaultValue = "1G", description = "Size, e.g. 512M, 4G (sparse; default: ${DEFAULT-VALUE}).")
        String size;

        @Override
        public Integer call() {
            LoopPool pool = LoopPool.create(file, mount, Sizes.parse(size, "--size")).keepAfterExit();
            spec.commandLine().getOut().println("pool " + pool.backingFile() + " mounted at " + pool.mountPoint());
            return 0;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Unmount the pool, detach its loop device and delete its file; safe to repeat and after a crash.",
            footer = {"", "Example:", "  icbd pool destroy --file /var/tmp/master.img --mount /srv/icbd/master"})
    static final class Destroy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--file", required = true, description = "The pool's backing file.")
        Path file;

        @Option(names = "--mount", required = true, description = "Where it is mounted.")
        Path mount;

        @Override
        public Integer call() {
            LoopPool.destroy(file, mount);
            spec.commandLine().getOut().println("pool " + file + " destroyed");
            return 0;
        }
    }
}
