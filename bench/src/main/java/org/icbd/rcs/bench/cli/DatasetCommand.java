package org.icbd.rcs.bench.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.icbd.rcs.bench.dataset.AdminUpdate;
import org.icbd.rcs.bench.dataset.Dataset;
import org.icbd.rcs.bench.dataset.DatasetGenerator;
import org.icbd.rcs.bench.dataset.DatasetSpec;
import org.icbd.rcs.ops.cli.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code icbd dataset generate|update}: deterministic image content for demos and benchmarks. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Generate deterministic image content (a file tree and a sparse disk image), or change it as an admin task would.",
        subcommands = {DatasetCommand.Generate.class, DatasetCommand.Update.class})
public final class DatasetCommand {

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Write a nested tree of files (1 KiB–1 MiB, text and binary) and a sparse disk image "
                    + "(about 2:1 with LZ4) into a directory, e.g. an image's work subvolume. Equal seeds give equal bytes.",
            footer = {"", "Example:", "  icbd dataset generate --dir /srv/icbd/master/images/ubuntu/work --files 3000 --disk-size 1G"})
    static final class Generate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, description = "Where to generate (created if missing).")
        Path dir;

        @Option(names = "--seed", defaultValue = "1", description = "The seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--files", defaultValue = "3000", description = "Files in the tree (default: ${DEFAULT-VALUE}).")
        int files;

        @Option(names = "--disk-size", defaultValue = "1G",
                description = "The disk image's apparent size, a multiple of 4K; 0 for none (default: ${DEFAULT-VALUE}).")
        String diskSize;

        @Override
        public Integer call() {
            DatasetSpec dataset;
            try {
                dataset = new DatasetSpec(seed, files, Sizes.parse(diskSize, "--disk-size"));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            Dataset d = DatasetGenerator.generate(dir, dataset);
            spec.commandLine().getOut().printf("generated %d files (%d bytes) and %s (%d bytes, %d written) in %s%n",
                    d.files(), d.treeBytes(), d.diskImage().getFileName(), d.diskImageBytes(), d.diskDataBytes(), dir);
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Change a generated dataset as an admin task would: add, modify, delete and rename files, "
                    + "and rewrite a fraction of the disk image's blocks in place.",
            footer = {"", "Example:", "  icbd dataset update --dir /srv/icbd/master/images/ubuntu/work --seed 2 --fraction 0.1"})
    static final class Update implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, description = "A directory made by 'icbd dataset generate'.")
        Path dir;

        @Option(names = "--seed", defaultValue = "2", description = "The seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--fraction", defaultValue = "0.1",
                description = "Share of files changed and of disk blocks rewritten, 0..1 (default: ${DEFAULT-VALUE}).")
        double fraction;

        @Override
        public Integer call() {
            if (!(fraction >= 0 && fraction <= 1)) {
                throw new ParameterException(spec.commandLine(), "--fraction must be within 0..1, got " + fraction);
            }
            AdminUpdate u = DatasetGenerator.adminUpdate(dir, seed, fraction);
            spec.commandLine().getOut().printf(
                    "%d files added, %d modified, %d deleted, %d renamed; %d of %d disk blocks rewritten in %s%n",
                    u.added().size(), u.modified().size(), u.deleted().size(), u.renamed().size(),
                    u.diskBlocksRewritten(), u.diskBlocks(), dir);
            return 0;
        }
    }
}
