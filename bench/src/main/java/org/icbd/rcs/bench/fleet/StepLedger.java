package org.icbd.rcs.bench.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What crossed the network per applied step: joins the replicas' step reports
 * ({@code icbd.replica-state}) with the steps of the tasks they answer ({@code icbd.replication-tasks}).
 * It follows both topics live from the beginning, because {@code icbd.replica-state} is compacted:
 * read afterwards, it keeps only each pair's last report.
 */
public final class StepLedger implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StepLedger.class);

    /**
     * One applied step; {@code parent} is empty for a full send; {@code source} is where it was pulled
     * from ({@code master} or a peer replica's id, as the replica reported it).
     */
    public record Row(String replicaId, String image, int version, Optional<Integer> parent, long bytes,
                      long millis, String source) {
        public double megabytesPerSecond() {
            return millis == 0 ? 0 : bytes / 1_000_000.0 / (millis / 1000.0);
        }
    }

    private final Map<String, TransferStep> steps = new HashMap<>();
    private final Map<String, StepReport> applied = new LinkedHashMap<>();
    private final Map<String, String> pairOf = new HashMap<>();
    private final List<ReplicationTask> tasks = new ArrayList<>();
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Thread follower;
    private volatile boolean running = true;

    /** Starts following both topics on {@code bootstrap}. */
    public StepLedger(String bootstrap) {
        this(KafkaClientSettings.of(bootstrap));
    }

    /** Starts following both topics on {@code kafka}'s cluster. */
    public StepLedger(KafkaClientSettings kafka) {
        TopicReader<String, ReplicationTask> tasks = TopicReader.open(kafka, "icbd-step-ledger-tasks",
                Topics.REPLICATION_TASKS, OPEN_TIMEOUT);
        TopicReader<String, ReplicaImageState> states;
        try {
            states = TopicReader.open(kafka, "icbd-step-ledger-states", Topics.REPLICA_STATE, OPEN_TIMEOUT);
        } catch (RuntimeException e) {
            tasks.close();
            throw e;
        }
        follower = new Thread(() -> follow(tasks, states), "step-ledger");
        follower.setDaemon(true);
        follower.start();
    }

    private void follow(TopicReader<String, ReplicationTask> taskReader, TopicReader<String, ReplicaImageState> stateReader) {
        try (taskReader; stateReader) {
            while (running) {
                taskReader.poll(POLL, r -> {
                    if (r instanceof TopicRecord.Read<String, ReplicationTask> read && !read.isTombstone()) {
                        takeTask(read.value());
                    }
                });
                stateReader.poll(POLL, r -> {
                    if (r instanceof TopicRecord.Read<String, ReplicaImageState> read && !read.isTombstone()) {
                        takeState(read.value());
                    }
                });
                // An unreadable record is not ours to judge: the planner dead-letters it.
            }
        } catch (RuntimeException e) {
            log.warn("following the step reports stopped: {}", e.toString());
        }
    }

    private synchronized void takeTask(ReplicationTask task) {
        tasks.add(task);
        task.steps().forEach(step -> steps.put(task.taskId() + "#" + step.version(), step));
    }

    private synchronized void takeState(ReplicaImageState state) {
        state.lastStep().filter(s -> s.outcome() == Outcome.APPLIED).ifPresent(s -> {
            String key = state.replicaId() + "/" + state.image() + "/" + s.version();
            applied.putIfAbsent(key, s);
            pairOf.put(key, state.replicaId() + "/" + state.image());
        });
    }

    /** The steps applied so far, by replica, image and version. */
    public synchronized List<Row> rows() {
        List<Row> out = new ArrayList<>();
        applied.forEach((key, r) -> {
            String[] pair = pairOf.get(key).split("/");
            TransferStep step = steps.get(r.taskId() + "#" + r.version());
            out.add(new Row(pair[0], pair[1], r.version(), step == null ? Optional.empty() : step.parentVersion(),
                    r.bytes(), r.millis(), r.sourceId()));
        });
        out.sort(Comparator.comparing(Row::replicaId).thenComparing(Row::image).thenComparingInt(Row::version));
        return out;
    }

    /** Every task issued so far, in the order read. */
    /** One replica's applied steps in version order: {@code "full 1"}, {@code "1->2"}... */
    public List<String> stepsOf(String replicaId) {
        return rows().stream().filter(r -> r.replicaId().equals(replicaId))
                .map(r -> r.parent().map(p -> p + "->" + r.version()).orElse("full " + r.version())).toList();
    }

    public synchronized List<ReplicationTask> tasks() {
        return List.copyOf(tasks);
    }

    @Override
    public void close() {
        running = false;
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static String render(List<Row> rows) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s %-12s %-12s %14s %9s %9s%n",
                "REPLICA", "IMAGE", "STEP", "FROM", "BYTES SENT", "SECONDS", "MB/s"));
        for (Row r : rows) {
            String step = r.parent().map(p -> p + " -> " + r.version()).orElse("full " + r.version());
            b.append(String.format(Locale.ROOT, "%-12s %-10s %-12s %-12s %,14d %9.2f %9.1f%n", r.replicaId(),
                    r.image(), step, r.source(), r.bytes(), r.millis() / 1000.0, r.megabytesPerSecond()));
        }
        return b.toString();
    }

    /** The bytes of {@code rows} by source: {@code master} first (0 when it served nothing), then each peer. */
    public static Map<String, Long> bySource(List<Row> rows) {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put(Sources.MASTER, 0L);
        rows.stream().sorted(Comparator.comparing(Row::source))
                .forEach(r -> out.merge(r.source(), r.bytes(), Long::sum));
        return out;
    }
}
