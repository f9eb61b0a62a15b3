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
                "Under the table: how old the newest status record is and when the planner was last heard "
                        + "(its heartbeat on icbd.planners). When the planner has been silent for longer than "
                        + "--planner-silent-after, the status may be out of date: icbd status says so and exits 4.",
                "Exits 0 when all pairs are fine, 3 when any is FAILED or OFFLINE (for monitoring scripts), "
                        + "4 when the planner is silent (this wins over 3), 1 when the status cannot be read."},
        footer = {"", "Examples:",
                "  icbd status --bootstrap 10.0.0.5:9092",
                "  icbd status --bootstrap kafka1:9093 --kafka-properties /etc/icbd/kafka-client.properties",
                "  icbd status --watch",
                "  icbd status --planner-silent-after 2m",
                "  icbd status --json | jq 'select(.state != \"IN_SYNC\")'"})
public final class StatusCommand implements Callable<Integer> {

    /** Exit code when a pair is FAILED or OFFLINE. */
    public static final int EXIT_ATTENTION = 3;
    /** Exit code when the planner has been silent for longer than {@code --planner-silent-after}: the status may be stale. */
    public static final int EXIT_PLANNER_SILENT = 4;

    private static final Duration REDRAW = Duration.ofSeconds(5);

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

    @Option(names = "--planner-silent-after", defaultValue = "30s", converter = DurationConverter.class,
            description = "Warn and exit 4 when the planner's newest heartbeat is older than this "
                    + "(default: ${DEFAULT-VALUE}; the planner beats every 5 s).")
    Duration plannerSilentAfter;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StatusBoard board = new StatusBoard();
        KafkaClientSettings settings = kafka.clientSettings();
        try (StatusReader reader = new StatusReader(settings, timeout, bad -> err.println("icbd status: " + bad))) {
            reader.catchUp(board);
            show(board, out, false);
            long drawn = System.nanoTime();
            while (watch) {
                // Redrawn on every change, and the table every few seconds anyway: the ages move. JSON lines
                // are printed on changes only, so a script reading them sees no repeats.
                boolean changed = reader.poll(board, Duration.ofMillis(500));
                if (changed || (!json && System.nanoTime() - drawn > REDRAW.toNanos())) {
                    show(board, out, true);
                    drawn = System.nanoTime();
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
        attention.ifPresent(a -> err.println("icbd status: " + a));
        Optional<String> silent = board.planner(plannerSilentAfter).warning();
        if (silent.isPresent()) {
            err.println("icbd status: warning: " + silent.get());
            return EXIT_PLANNER_SILENT;
        }
        return attention.isPresent() ? EXIT_ATTENTION : 0;
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
            out.println(board.servedLine());
            out.println(board.ageLine(plannerSilentAfter)
                    + board.planner(plannerSilentAfter).warning().map(w -> " | warning: " + w).orElse(""));
        }
        out.flush();
    }
}
