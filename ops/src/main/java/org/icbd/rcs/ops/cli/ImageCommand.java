package org.icbd.rcs.ops.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code icbd image}: manage the images of the master's pool. */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Manage the images (iMIs) in the master's pool.",
        subcommands = {ImageCommand.Init.class})
final class ImageCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: init");
    }

    /** {@code icbd image init}: creates an image's read-write {@code work} subvolume. */
    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {
                    "Create an image in the master's pool: the read-write subvolume <pool>/images/<image>/work that"
                            + " admin tasks edit, and the directory its published versions go to.",
                    "",
                    "Example:",
                    "  icbd image init --pool /srv/icbd --image ubuntu-22.04",
                    "",
                    "Exit codes: 0 created, 1 failed (pool not on btrfs, image already there), 2 bad usage or name."})
    static final class Init implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--pool", required = true, paramLabel = "DIR", description = "The master's btrfs pool.")
        Path pool;

        @Option(names = "--image", required = true, paramLabel = "NAME",
                description = "The image's name: 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.")
        String image;

        @Override
        public Integer call() {
            try {
                Path work = new ImageRepository(pool, new CommandRunner()).init(image);
                spec.commandLine().getOut().println("initialised image " + image + ": " + work);
                return 0;
            } catch (RepositoryException e) {
                spec.commandLine().getErr().println("icbd image init: " + e.getMessage());
                return e.reason() == RepositoryException.Reason.INVALID_NAME ? 2 : 1;
            }
        }
    }
}
