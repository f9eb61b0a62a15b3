package org.icbd.rcs.ops.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.master.kafka.ConsumerTopicScan;
import org.icbd.rcs.master.lifecycle.RetireVerdict;
import org.icbd.rcs.master.publish.NotDurableException;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.master.retire.ImageLifecycle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code icbd retire}: deletes one version on the master, announcing it first. */
// No standard help mixin: its --version (print the version) would take the name of --version N.
@Command(name = "retire", sortOptions = false,
        description = {
                "Retire one version of an image on the master: publish ImageVersionRetired and wait for Kafka's"
                        + " acknowledgement (like publish), then delete the snapshot versions/<n> and its stored"
                        + " streams. The newest version is never retired. A version that is a subscribed"
                        + " replica's next parent (its newest held version still on the master) is refused,"
                        + " naming the replicas, unless --force: those replicas then get a full re-seed.",
                "",
                "Example:",
                "  icbd retire --pool /srv/icbd --image ubuntu-22.04 --version 3 --bootstrap kafka1:9092",
                "",
                "Exit codes:",
                "  0   retired (or already retired)",
                "  1   pool or image problem: not on btrfs, no such image, the version is not on this master",
                "  2   bad usage",
                "  3   refused: the newest version, or a protecting replica's next parent without --force",
                "  75  (EX_TEMPFAIL) Kafka did not acknowledge the retirement in time; nothing was deleted"})
final class RetireCommand implements Callable<Integer> {

    /** Refused: the newest version, or a next parent without {@code --force}. Nothing changed. */
    static final int EXIT_REFUSED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--pool", required = true, paramLabel = "DIR", description = "The master's btrfs pool.")
    Path pool;

    @Option(names = "--image", required = true, paramLabel = "NAME", description = "The image.")
    String image;

    @Option(names = "--version", required = true, paramLabel = "N", description = "The version to retire.")
    int version;

    @Option(names = "--force",
            description = "Retire a version that is a replica's next parent; those replicas re-seed (a full send).")
    boolean force;

    @CommandLine.Mixin
    KafkaOptions kafka;

    @Option(names = "--master", paramLabel = "NAME", defaultValue = PublisherSettings.DEFAULT_MASTER,
            description = "This master's site name, written into the event (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15s", converter = DurationConverter.class,
            description = "How long each Kafka read and the acknowledgement may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--offline-limit", paramLabel = "DURATION", defaultValue = "30d",
            converter = DurationConverter.class,
            description = "A replica OFFLINE for longer protects nothing (default: ${DEFAULT-VALUE}, as the master's"
                    + " icbd.master.offline-limit).")
    Duration offlineLimit;

    @Override
    public Integer call() {
        if (version < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--version must be at least 1, got " + version);
        }
        PublisherSettings settings;
        try {
            settings = new PublisherSettings(kafka.clientSettings(), master, timeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ImageRepository repository = new ImageRepository(pool, new CommandRunner());
        try (Publisher publisher = new Publisher(repository, settings)) {
            ImageLifecycle lifecycle = new ImageLifecycle(repository, publisher,
                    new ConsumerTopicScan(settings, "icbd-retire-" + master));
            ImageLifecycle.RetireOutcome outcome = lifecycle.retire(image, version, force, Instant.now(),
                    offlineLimit);
            RetireVerdict verdict = outcome.verdict();
            if (verdict instanceof RetireVerdict.Newest) {
                err.println("icbd retire: refused: image " + image + " " + verdict.explain());
                return EXIT_REFUSED;
            }
            if (verdict instanceof RetireVerdict.NextParent && !outcome.retired()) {
                err.println("icbd retire: refused: image " + image + " " + verdict.explain()
                        + "; use --force to retire it anyway (they then get a full re-seed)");
                return EXIT_REFUSED;
            }
            if (verdict instanceof RetireVerdict.Unknown) {
                err.println("icbd retire: image " + image + " " + verdict.explain() + " on this master");
                return 1;
            }
            if (verdict instanceof RetireVerdict.AlreadyRetired) {
                out.println(outcome.retired()
                        ? "retired " + image + " version " + version + " uuid " + outcome.event().uuid()
                                + " (its snapshot was already gone)"
                        : "image " + image + " " + verdict.explain());
                return 0;
            }
            out.println("retired " + image + " version " + version + " uuid " + outcome.event().uuid());
            if (!outcome.reseed().isEmpty()) {
                out.println("it was the next parent of " + String.join(", ", outcome.reseed())
                        + ": each re-seeds (a full send) unless it holds another live version");
            }
            return 0;
        } catch (NotDurableException e) {
            err.println("icbd retire: " + e.getMessage());
            return PublishCommand.EXIT_NOT_DURABLE;
        } catch (RepositoryException e) {
            err.println("icbd retire: " + e.getMessage());
            return e.reason() == RepositoryException.Reason.INVALID_NAME ? 2 : 1;
        }
    }
}
