package org.icbd.rcs.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ImageVersionPublished;
import org.apache.kafka.common.KafkaException;
import org.icbd.rcs.master.publish.NotDurableException;
import org.icbd.rcs.master.publish.PlannerVerdicts;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.ImageVersion;
import org.icbd.rcs.master.repo.RepositoryException;
import org.icbd.rcs.planner.app.PlannerConfig;
import org.icbd.rcs.topic.EventJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code icbd publish}: the end of every admin task on an image. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = {
                "Publish a new version of an image: snapshot <pool>/images/<image>/work read-only as"
                        + " versions/<n> (n = the highest version on disk + 1) and announce it on Kafka, waiting for"
                        + " the broker's acknowledgement. Prints 'published <image> version <n> uuid <uuid>'.",
                "",
                "Example (at the end of an admin script):",
                "  icbd publish --pool /srv/icbd --image ubuntu-22.04 --bootstrap kafka1:9092 --master hq",
                "",
                "Exit codes:",
                "  0   published: the event is durable in Kafka and the planner accepted it (or --verdict-timeout 0)",
                "  1   nothing was published: pool not on btrfs, image not initialised, work missing",
                "  2   bad usage or an invalid image name",
                "  75  (EX_TEMPFAIL) the snapshot versions/<n> exists but Kafka did not acknowledge its event in"
                        + " time; the running master service publishes it at its next reconciliation (every 30 s by default)",
                "  65  (EX_DATAERR) the event is durable but the planner rejected it (the message names the conflicting"
                        + " event, e.g. a forged one for the same version); the running master service publishes a"
                        + " correction at its next reconciliation",
                "  69  (EX_UNAVAILABLE) the event is durable but no planner verdict came within --verdict-timeout"
                        + " (is the planner running?)"})
final class PublishCommand implements Callable<Integer> {

    /** Kafka did not acknowledge in time; the snapshot stays and is published at the master's next reconciliation. */
    static final int EXIT_NOT_DURABLE = 75;
    /** The event is durable, and the planner sent it to the dead letters. */
    static final int EXIT_REJECTED = 65;
    /** The event is durable, and no verdict came in time. */
    static final int EXIT_NO_VERDICT = 69;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--pool", required = true, paramLabel = "DIR", description = "The master's btrfs pool.")
    Path pool;

    @Option(names = "--image", required = true, paramLabel = "NAME", description = "The image to publish.")
    String image;

    @CommandLine.Mixin
    KafkaOptions kafka;

    @Option(names = "--master", paramLabel = "NAME", defaultValue = PublisherSettings.DEFAULT_MASTER,
            description = "This master's site name, written into the event (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15s", converter = DurationConverter.class,
            description = "How long to wait for Kafka's acknowledgement, e.g. 15s or 1m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--verdict-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long to wait for the planner's verdict on the event; 0s does not wait (default:"
                    + " ${DEFAULT-VALUE}).")
    Duration verdictTimeout;

    @Option(names = "--planner-id", paramLabel = "ID", defaultValue = PlannerConfig.DEFAULT_APPLICATION_ID,
            description = "The planner's application id, whose verdicts count (default: ${DEFAULT-VALUE}).")
    String plannerId;

    @Option(names = "--json", description = "Print the published event as JSON instead of one line.")
    boolean json;

    /** The planner's verdicts, or none asked for; a cluster that cannot be followed yields Unknown. */
    private static final class Verdicts implements AutoCloseable {
        private final PlannerVerdicts verdicts;
        private final String unavailable;

        private Verdicts(PlannerVerdicts verdicts, String unavailable) {
            this.verdicts = verdicts;
            this.unavailable = unavailable;
        }

        /** Opened before the event is produced, so that its dead letter cannot be missed. */
        static Verdicts open(PublisherSettings settings, String plannerId, boolean wanted) {
            if (!wanted) {
                return new Verdicts(null, null);
            }
            try {
                return new Verdicts(PlannerVerdicts.open(settings.kafka(), plannerId, settings.timeout()), null);
            } catch (KafkaException e) {
                return new Verdicts(null, "the planner's verdict cannot be followed (" + e.getMessage() + ")");
            }
        }

        PlannerVerdicts.Verdict await(Publisher.Published published, Duration wait) {
            if (verdicts == null) {
                return unavailable == null ? new PlannerVerdicts.Verdict.Accepted()
                        : new PlannerVerdicts.Verdict.Unknown(unavailable);
            }
            try {
                return verdicts.await(published, wait);
            } catch (KafkaException e) {
                return new PlannerVerdicts.Verdict.Unknown("the planner's verdict cannot be read (" + e.getMessage()
                        + ")");
            }
        }

        @Override
        public void close() {
            if (verdicts != null) {
                verdicts.close();
            }
        }
    }

    @Override
    public Integer call() throws JsonProcessingException {
        PublisherSettings settings;
        try {
            settings = new PublisherSettings(kafka.clientSettings(), master, timeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (verdictTimeout.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--verdict-timeout must not be negative");
        }
        ImageRepository repository = new ImageRepository(pool, new CommandRunner());
        try (Publisher publisher = new Publisher(repository, settings)) {
            ImageVersion snapshot = repository.snapshotNext(image);
            Publisher.Published published;
            PlannerVerdicts.Verdict verdict;
            try (Verdicts verdicts = Verdicts.open(settings, plannerId, !verdictTimeout.isZero())) {
                published = publisher.announce(snapshot);
                verdict = verdicts.await(published, verdictTimeout);
            }
            ImageVersionPublished event = published.event();
            if (verdict instanceof PlannerVerdicts.Verdict.Rejected rejected) {
                spec.commandLine().getErr().println("icbd publish: image " + event.image() + " version "
                        + event.version() + " (uuid " + event.uuid() + ") is durable at " + published.topic() + "-"
                        + published.partition() + "@" + published.offset() + " but the planner rejected it: "
                        + rejected.letter().reason() + ". The disk is the truth: the running master service publishes"
                        + " a correction at its next reconciliation; check who may write " + published.topic());
                return EXIT_REJECTED;
            }
            if (verdict instanceof PlannerVerdicts.Verdict.Unknown unknown) {
                spec.commandLine().getErr().println("icbd publish: image " + event.image() + " version "
                        + event.version() + " (uuid " + event.uuid() + "): " + unknown.why());
                return EXIT_NO_VERDICT;
            }
            if (json) {
                spec.commandLine().getOut().println(EventJson.mapper().writeValueAsString(event));
            } else {
                spec.commandLine().getOut().println("published " + event.image() + " version " + event.version()
                        + " uuid " + event.uuid());
            }
            return 0;
        } catch (NotDurableException e) {
            spec.commandLine().getErr().println("icbd publish: " + e.getMessage());
            return EXIT_NOT_DURABLE;
        } catch (RepositoryException e) {
            spec.commandLine().getErr().println("icbd publish: " + e.getMessage());
            return e.reason() == RepositoryException.Reason.INVALID_NAME ? 2 : 1;
        }
    }
}
