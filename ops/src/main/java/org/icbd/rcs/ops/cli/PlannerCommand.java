package org.icbd.rcs.ops.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.KafkaStreams;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.ops.ready.ReadyFile;
import org.icbd.rcs.planner.app.InvalidPlannerSettingException;
import org.icbd.rcs.planner.app.PlannerApplication;
import org.icbd.rcs.planner.app.PlannerHttp;
import org.icbd.rcs.planner.app.PlannerConfig;
import org.icbd.rcs.planner.app.PlannerSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code icbd planner}: runs the planner service in the foreground until SIGTERM (or Ctrl-C),
 * then commits and stops cleanly. Settings come from {@code application-planner.yml}, the
 * environment ({@code ICBD_PLANNER_OFFLINE_AFTER}...) and these flags, which win; every one is
 * checked before anything starts, and a bad one exits with status 2 and a message naming it.
 */
@Command(name = "planner", mixinStandardHelpOptions = true,
        description = {"Runs the planner: turns image versions, replica registrations and replica states into "
                + "replication tasks and statuses, until SIGTERM.",
                "Run several with the same --application-id to share the work; each needs its own --state-dir.",
                "Settings come from application-planner.yml (icbd.planner.*), the environment"
                        + " (ICBD_PLANNER_OFFLINE_AFTER=..., ICBD_PLANNER_KAFKA_BOOTSTRAP_SERVERS=...) and these flags,"
                        + " which win."},
        footer = {"",
                "Examples:",
                "  icbd planner --bootstrap 127.0.0.1:9092",
                "  icbd planner --bootstrap kafka1:9092,kafka2:9092 \\",
                "      --kafka-properties /etc/icbd/kafka-client.properties \\",
                "      --state-dir /var/lib/icbd/planner \\",
                "      --offline-after 45s --stall-deadline 10m --compression none",
                "",
                "Exit status: 0 stopped cleanly, 1 failed (the message says why), 2 bad option or setting."})
final class PlannerCommand implements Callable<Integer> {

    private static final String P = PlannerSettings.PREFIX + ".";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code --bootstrap} (icbd.planner.kafka.bootstrap-servers, default 127.0.0.1:9092) and pass-through properties. */
    @CommandLine.Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--application-id", paramLabel = "ID",
            description = "Kafka Streams application id: consumer group and prefix of the planner's internal "
                    + "topics (default: " + PlannerSettings.DEFAULT_APPLICATION_ID + "; icbd.planner.application-id).")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where the local stores live; rebuilt from Kafka when lost (default:"
                    + " ~/.icbd/planner-state; icbd.planner.state-dir).")
    Path stateDir;

    @Option(names = "--offline-after", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "A replica without heartbeat for this long is OFFLINE (default: 30s;"
                    + " icbd.planner.offline-after).")
    Duration offlineAfter;

    @Option(names = "--stall-deadline", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "A task without progress for this long is issued again (default: 5m;"
                    + " icbd.planner.stall-deadline).")
    Duration stallDeadline;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "${env:ICBD_PLANNER_HTTP_PORT:-0}",
            description = "Serve /metrics (Prometheus) and /health on PORT; -1 any free port; 0 off (the default;"
                    + " ICBD_PLANNER_HTTP_PORT).")
    int httpPort;

    @Option(names = "--compression", paramLabel = "lz4|none", converter = CompressionConverter.class,
            description = "How tasks ask the master to encode send streams (default: lz4;"
                    + " icbd.planner.compression).")
    Compression compression;

    /** The flags given, as settings; flags not given leave the other sources in charge. */
    Map<String, Object> properties() {
        Map<String, Object> p = new LinkedHashMap<>(kafka.asSettings(P + "kafka"));
        put(p, "application-id", applicationId);
        put(p, "state-dir", stateDir);
        put(p, "offline-after", offlineAfter);
        put(p, "stall-deadline", stallDeadline);
        put(p, "compression", compression == null ? null : compression.code());
        return p;
    }

    private static void put(Map<String, Object> p, String name, Object value) {
        if (value != null) {
            p.put(P + name, value instanceof Path || value instanceof Duration ? value.toString() : value);
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> properties = properties();
        PlannerConfig config;
        try {
            config = PlannerApplication.config(properties);
        } catch (InvalidPlannerSettingException e) {
            // A flag's problem is told as the flag; a setting from elsewhere by its full name.
            String message = properties.containsKey(e.setting()) ? "--" + e.problem() : e.getMessage();
            throw new CommandLine.ParameterException(spec.commandLine(), message, e, null, "");
        }
        if (httpPort < -1 || httpPort > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--http-port must be 0 (off), -1 (any free"
                    + " port) or a TCP port up to 65535, got " + httpPort);
        }
        PlannerApplication planner = PlannerApplication.start(config);
        PlannerHttp http = httpPort == 0 ? null : PlannerHttp.start(httpPort, planner);
        Thread stop = new Thread(() -> {
            if (http != null) {
                http.close();
            }
            planner.close();
        }, "icbd-planner-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        spec.commandLine().getOut().printf("planner %s started on %s (state in %s); stop with SIGTERM or Ctrl-C%n",
                config.applicationId(), config.bootstrapServers(), config.stateDir());
        spec.commandLine().getOut().flush();
        Map<String, String> ready = new java.util.LinkedHashMap<>();
        ready.put("application-id", config.applicationId());
        if (http != null) {
            ready.put("http-port", String.valueOf(http.port()));
        }
        ReadyFile.announce(ready);
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
