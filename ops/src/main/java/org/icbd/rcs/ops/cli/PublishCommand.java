package org.icbd.rcs.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.icbd.rcs.command.CommandRunner;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.master.publish.NotDurableException;
import org.icbd.rcs.master.publish.Publisher;
import org.icbd.rcs.master.publish.PublisherSettings;
import org.icbd.rcs.master.repo.ImageRepository;
import org.icbd.rcs.master.repo.RepositoryException;
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
                "  0   published: the event is durable in Kafka",
                "  1   nothing was published: pool not on btrfs, image not initialised, work missing",
                "  2   bad usage or an invalid image name",
                "  75  (EX_TEMPFAIL) the snapshot versions/<n> exists but Kafka did not acknowledge its event in"
                        + " time; the running master service publishes it at its next reconciliation (every 30 s by default)"})
final class PublishCommand implements Callable<Integer> {

    /** Kafka did not acknowledge in time; the snapshot stays and is published at the master's next reconciliation. */
    static final int EXIT_NOT_DURABLE = 75;

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

    @Option(names = "--json", description = "Print the published event as JSON instead of one line.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PublisherSettings settings;
        try {
            settings = new PublisherSettings(kafka.clientSettings(), master, timeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ImageRepository repository = new ImageRepository(pool, new CommandRunner());
        try (Publisher publisher = new Publisher(repository, settings)) {
            ImageVersionPublished event = publisher.publish(image);
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
