package org.icbd.rcs.master.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.TransferProgress;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.master.lifecycle.Retention;
import org.icbd.rcs.topic.EventJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's live copy of the status board: one thread follows {@code icbd.replication-status},
 * {@code icbd.replicas} and {@code icbd.planners} through a {@link StatusReader} (no consumer group,
 * nothing committed), and the HTTP API renders the board on request ({@link #statusJson},
 * {@link #replicasJson}). Kafka being away only makes the feed say so ({@code feed.error}, and one
 * WARN per attempt) and try again every {@link #RETRY}; the master keeps serving.
 */
public final class StatusFeed implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StatusFeed.class);

    /** The same threshold {@code icbd status} warns at by default. */
    public static final Duration DEFAULT_PLANNER_SILENT_AFTER = Duration.ofSeconds(30);
    /** The planner's default offline-after, for replicas it has not judged. */
    public static final Duration DEFAULT_OFFLINE_AFTER = Duration.ofSeconds(30);
    static final Duration RETRY = Duration.ofSeconds(5);

    private final KafkaClientSettings kafka;
    private final Duration timeout;
    private final Clock clock;
    private final StatusBoard board;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String error = "not read yet";
    private volatile Instant readAt;
    /** Failed reads in a row; only the feed's thread touches it. */
    private int attempts;

    /**
     * @param timeout bounds each wait on the broker
     * @param offlineLimit the master's offline limit, past which an OFFLINE replica will re-seed
     */
    public StatusFeed(KafkaClientSettings kafka, Duration timeout, Duration offlineLimit, Clock clock) {
        this.kafka = Objects.requireNonNull(kafka, "kafka");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.board = new StatusBoard(clock, offlineLimit == null ? Retention.DEFAULT_OFFLINE_LIMIT : offlineLimit);
        this.thread = new Thread(this::follow, "icbd-status-feed");
        thread.setDaemon(true);
    }

    /** Starts following the topics; returns at once. */
    public StatusFeed start() {
        thread.start();
        return this;
    }

    private void follow() {
        while (running) {
            try (StatusReader reader = new StatusReader(kafka, timeout,
                    bad -> log.warn("status page: {}", bad))) {
                synchronized (board) {
                    reader.catchUp(board);
                }
                readAt = clock.instant();
                if (error != null) {
                    log.info("status page: following the status topics on {}{}", kafka.bootstrapServers(),
                            attempts > 0 ? " after " + (attempts + 1) + " attempts" : "");
                }
                error = null;
                attempts = 0;
                while (running) {
                    // Polls outside the lock would race with the board; a poll is at most 500 ms.
                    synchronized (board) {
                        reader.poll(board, Duration.ofMillis(200));
                    }
                    readAt = clock.instant();
                    Thread.sleep(300);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                attempts++;
                log.warn("status page: waiting for Kafka at {} to read the status topics (attempt {}): {}; retrying"
                        + " in {} s", kafka.bootstrapServers(), attempts, why, RETRY.toSeconds());
                error = why;
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * {@code /api/status}: {@code at}; {@code ageSeconds} of the newest status record; {@code planner}
     * (lastHeard, ageSeconds, instances, silent, silentAfterSeconds, warning); {@code feed}
     * (readAt, error); {@code served}, the bytes of the applied steps by source ({@code master}, then
     * each peer replica by id); {@code pairs}, each a {@code ReplicationStatus} as on the topic plus
     * {@code willReseed}, {@code lastStep} (taskId, version, outcome, source, bytes) once the replica
     * reported a step, and, while transferring, {@code transfer.etaSeconds} when the transfer's
     * total size is known.
     */
    public String statusJson(Duration plannerSilentAfter) {
        ObjectMapper json = EventJson.mapper();
        ObjectNode root = json.createObjectNode();
        Instant now = clock.instant();
        root.put("at", now.toString());
        synchronized (board) {
            board.age(now).ifPresentOrElse(a -> root.put("ageSeconds", Math.max(0, a.toSeconds())),
                    () -> root.putNull("ageSeconds"));
            StatusBoard.PlannerHealth p = board.planner(plannerSilentAfter);
            ObjectNode planner = root.putObject("planner");
            p.lastHeard().ifPresentOrElse(t -> planner.put("lastHeard", t.toString()), () -> planner.putNull("lastHeard"));
            p.age().ifPresentOrElse(a -> planner.put("ageSeconds", a.toSeconds()), () -> planner.putNull("ageSeconds"));
            planner.put("instances", p.instances());
            planner.put("silent", p.silent());
            planner.put("silentAfterSeconds", p.silentAfter().toSeconds());
            p.warning().ifPresentOrElse(w -> planner.put("warning", w), () -> planner.putNull("warning"));
            ObjectNode served = root.putObject("served");
            board.served().forEach(served::put);
            ArrayNode pairs = root.putArray("pairs");
            for (ReplicationStatus s : board.rows()) {
                ObjectNode pair = json.valueToTree(s);
                pair.put("willReseed", board.willReseed(s));
                board.lastStep(s).ifPresent(l -> {
                    ObjectNode step = pair.putObject("lastStep");
                    step.put("taskId", l.taskId());
                    step.put("version", l.version());
                    step.put("outcome", l.outcome().name());
                    step.put("source", l.sourceId());
                    step.put("bytes", l.bytes());
                });
                s.transfer().flatMap(StatusFeed::etaSeconds).ifPresent(eta -> ((ObjectNode) pair.get("transfer"))
                        .put("etaSeconds", eta));
                pairs.add(pair);
            }
        }
        ObjectNode feed = root.putObject("feed");
        Instant read = readAt;
        feed.put("readAt", read == null ? null : read.toString());
        feed.put("error", error);
        return root.toString();
    }

    /** {@code /api/replicas}: the phone book, one {@link PhoneBookEntry} per registered replica. */
    public String replicasJson(Duration offlineAfter) {
        synchronized (board) {
            return EventJson.mapper().valueToTree(board.replicas(offlineAfter)).toString();
        }
    }

    /**
     * Seconds left at the average rate when the replica did not say (an older replica's progress
     * carries no ETA), from the transfer's total size once the master stored the stream; empty when
     * the replica's own ETA is there (the page shows that one) or the total is unknown.
     */
    static Optional<Long> etaSeconds(TransferProgress p) {
        if (p.etaSeconds().isPresent() || p.totalBytes().isEmpty() || p.bytesPerSecond() <= 0) {
            return Optional.empty();
        }
        long left = Math.max(0, p.totalBytes().get() - p.bytes());
        return Optional.of((left + p.bytesPerSecond() - 1) / p.bytesPerSecond());
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
