package org.icbd.rcs.ops.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.KafkaStreams;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.ops.ready.ReadyFile;
import org.icbd.rcs.planner.app.PlannerApplication;
import org.icbd.rcs.planner.app.PlannerConfig;
import org.icbd.rcs.planner.topology.TopologySettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code icbd planner}: runs the planner service in the foreground until SIGTERM (or Ctrl-C),
 * then commits and stops cleanly. Every option is checked before anything starts; a bad one
 * exits with status 2 and a message naming it.
 */
@Command(name = "planner", mixinStandardHelpOptions = true,
        description = {"Runs the planner: turns image versions, replica registrations and replica states into "
                + "replication tasks and statuses, until SIGTERM.",
                "Run several with the same --application-id to share the work; each needs its own --state-dir."},
        footer = {"",
                "Examples:",
                "  icbd planner --bootstrap 127.0.0.1:9092",
                "  icbd planner --bootstrap kafka1:9092,kafka2:9092 \\",
                "      --state-dir /var/lib/icbd/planner \\",
                "      --offline-after 45s --stall-deadline 10m --compression none",
                "",
                "Exit status: 0 stopped cleanly, 1 failed (the message says why), 2 bad option."})
final class PlannerCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,...]",
            defaultValue = PlannerConfig.DEFAULT_BOOTSTRAP_SERVERS,
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--application-id", paramLabel = "ID", defaultValue = PlannerConfig.DEFAULT_APPLICATION_ID,
            description = "Kafka Streams application id: consumer group and prefix of the planner's internal "
                    + "topics (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the local stores live; rebuilt from Kafka when lost (default: "
                    + "~/.icbd/planner-state).")
    Path stateDir = PlannerConfig.DEFAULT_STATE_DIR;

    @Option(names = "--offline-after", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class,
            description = "A replica without heartbeat for this long is OFFLINE (default: ${DEFAULT-VALUE}).")
    Duration offlineAfter;

    @Option(names = "--stall-deadline", paramLabel = "DURATION", defaultValue = "5m",
            converter = DurationConverter.class,
            description = "A task without progress for this long is issued again (default: ${DEFAULT-VALUE}).")
    Duration stallDeadline;

    @Option(names = "--compression", paramLabel = "lz4|none", defaultValue = "lz4",
            converter = CompressionConverter.class,
            description = "How tasks ask the master to encode send streams (default: ${DEFAULT-VALUE}).")
    Compression compression;

    @Override
    public Integer call() throws InterruptedException {
        PlannerConfig config;
        try {
            config = PlannerConfig.defaults()
                    .withBootstrapServers(bootstrap)
                    .withApplicationId(applicationId)
                    .withStateDir(stateDir)
                    .withTopology(TopologySettings.of(offlineAfter, stallDeadline, compression));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        PlannerApplication planner = PlannerApplication.start(config);
        Thread stop = new Thread(planner::close, "icbd-planner-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        spec.commandLine().getOut().printf("planner %s started on %s (state in %s); stop with SIGTERM or Ctrl-C%n",
                config.applicationId(), config.bootstrapServers(), config.stateDir());
        spec.commandLine().getOut().flush();
        ReadyFile.announce(Map.of("application-id", config.applicationId()));
        KafkaStreams.State end = planner.awaitTermination();
        if (end == KafkaStreams.State.ERROR) {
            // Every stream thread died for good; stop what is left before reporting.
            planner.close();
            spec.commandLine().getErr().println("icbd planner: the planner stopped with an error; see the log");
            return 1;
        }
        return 0;
    }
}
