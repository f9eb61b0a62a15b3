package org.icbd.rcs.ops.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.master.status.PhoneBookEntry;
import org.icbd.rcs.master.status.StatusBoard;
import org.icbd.rcs.master.status.StatusReader;
import org.icbd.rcs.planner.app.PlannerSettings;
import org.icbd.rcs.topic.EventJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code icbd replicas}: the phone book, every replica registered on {@code icbd.replicas}. */
@Command(name = "replicas", mixinStandardHelpOptions = true,
        description = {"List every registered replica: id, site, subscriptions (image:keep), last seen, software "
                + "version, ONLINE or OFFLINE.",
                "OFFLINE is the planner's verdict on the replica's pairs (as icbd status shows it); a replica the "
                        + "planner has not judged is OFFLINE when its last heartbeat is older than --offline-after.",
                "Exits 0 when every replica is ONLINE, 3 when any is OFFLINE, 1 when the phone book cannot be read."},
        footer = {"", "Examples:",
                "  icbd replicas --bootstrap 10.0.0.5:9092",
                "  icbd replicas --json | jq -r 'select(.state == \"OFFLINE\") | .replicaId'"})
public final class ReplicasCommand implements Callable<Integer> {

    /** Exit code when a replica is OFFLINE, as {@code icbd status} uses it. */
    public static final int EXIT_OFFLINE = StatusCommand.EXIT_ATTENTION;

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--json", description = "Print one JSON object per replica instead of a table.")
    boolean json;

    @Option(names = "--offline-after", defaultValue = "30s", converter = DurationConverter.class,
            description = "For a replica the planner has not judged: OFFLINE when silent for longer than this "
                    + "(default: ${DEFAULT-VALUE}, the planner's default offline-after).")
    Duration offlineAfter = PlannerSettings.DEFAULT_OFFLINE_AFTER;

    @Option(names = "--timeout", defaultValue = "15s", converter = DurationConverter.class,
            description = "How long to wait for the broker (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StatusBoard board = new StatusBoard();
        KafkaClientSettings settings = kafka.clientSettings();
        try (StatusReader reader = new StatusReader(settings, timeout, bad -> err.println("icbd replicas: " + bad))) {
            reader.catchUp(board);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("cannot read the phone book from Kafka at " + settings.bootstrapServers()
                    + " within " + timeout + ": is the broker running and reachable? (" + e.getMessage() + ")", e);
        }
        List<PhoneBookEntry> entries = board.replicas(offlineAfter);
        if (json) {
            for (PhoneBookEntry e : entries) {
                out.println(EventJson.mapper().writeValueAsString(e));
            }
        } else if (entries.isEmpty()) {
            err.println("icbd replicas: no replica has registered yet");
        } else {
            out.print(board.renderReplicas(offlineAfter));
        }
        out.flush();
        long offline = entries.stream().filter(PhoneBookEntry::offline).count();
        if (offline > 0) {
            err.println("icbd replicas: " + offline + " of " + entries.size() + (entries.size() == 1 ? " replica" : " replicas")
                    + " OFFLINE: " + String.join(" ", entries.stream().filter(PhoneBookEntry::offline)
                    .map(PhoneBookEntry::replicaId).toList()));
            return EXIT_OFFLINE;
        }
        return 0;
    }
}
