package org.icbd.rcs.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.master.status.StatusBoard;
import org.icbd.rcs.master.status.StatusReader;
import org.icbd.rcs.topic.EventJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code icbd status}: what every replica holds of every image, from {@code icbd.replication-status}. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the replication status of every (replica, image) pair.",
                "Exits 0 when all pairs are fine, 3 when any is FAILED or OFFLINE (for monitoring scripts), "
                        + "1 when the status cannot be read."},
        footer = {"", "Examples:",
                "  icbd status --bootstrap 10.0.0.5:9092",
                "  icbd status --bootstrap kafka1:9093 --kafka-properties /etc/icbd/kafka-client.properties",
                "  icbd status --watch",
                "  icbd status --json | jq 'select(.state != \"IN_SYNC\")'"})
public final class StatusCommand implements Callable<Integer> {

    /** Exit code when a pair is FAILED or OFFLINE. */
    public static final int EXIT_ATTENTION = 3;

    @Spec
    CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--watch", description = "Keep running and redraw as records arrive (Ctrl-C to stop).")
    boolean watch;

    @Option(names = "--json", description = "Print one JSON object per pair instead of a table.")
    boolean json;

    @Option(names = "--timeout", defaultValue = "15s", converter = DurationConverter.class,
            description = "How long to wait for the broker (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StatusBoard board = new StatusBoard();
        KafkaClientSettings settings = kafka.clientSettings();
        try (StatusReader reader = new StatusReader(settings, timeout, bad -> err.println("icbd status: " + bad))) {
            reader.catchUp(board);
            show(board, out, false);
            while (watch) {
                if (reader.poll(board, Duration.ofMillis(500))) {
                    show(board, out, true);
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("cannot read the status from Kafka at " + settings.bootstrapServers() + " within "
                    + timeout + ": is the broker running and reachable? (" + e.getMessage() + ")", e);
        }
        if (board.isEmpty() && !json) {
            err.println("icbd status: no replication status yet: is the planner running, and has any replica registered?");
        }
        Optional<String> attention = board.attentionSummary();
        if (attention.isPresent()) {
            err.println("icbd status: " + attention.get());
            return EXIT_ATTENTION;
        }
        return 0;
    }

    private void show(StatusBoard board, PrintWriter out, boolean redraw) throws JsonProcessingException {
        if (json) {
            for (ReplicationStatus s : board.rows()) {
                out.println(EventJson.mapper().writeValueAsString(s));
            }
        } else {
            if (redraw) {
                out.print("\033[H\033[2J");
            }
            out.print(board.render());
            if (watch) {
                out.println();
                out.println("updated " + Instant.now() + (board.attentionSummary().map(a -> " | " + a).orElse("")));
            }
        }
        out.flush();
    }
}
