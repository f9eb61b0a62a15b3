package org.icbd.rcs.ops.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.icbd.rcs.events.Outcome;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.events.StepReport;
import org.icbd.rcs.events.TransferStep;
import org.icbd.rcs.topic.EventFormatException;
import org.icbd.rcs.topic.JsonSerde;
import org.icbd.rcs.topic.Topic;
import org.icbd.rcs.topic.Topics;

/**
 * What crossed the network per applied step: joins the replicas' step reports
 * ({@code icbd.replica-state}) with the steps of the tasks they answer ({@code icbd.replication-tasks}).
 */
public final class StepLedger {

    /** One applied step; {@code parent} is empty for a full send. */
    public record Row(String replicaId, String image, int version, Optional<Integer> parent, long bytes,
                      long millis) {
        public double megabytesPerSecond() {
            return millis == 0 ? 0 : bytes / 1_000_000.0 / (millis / 1000.0);
        }
    }

    private StepLedger() {
    }

    public static List<Row> read(String bootstrap, Duration timeout) {
        Map<String, TransferStep> steps = new HashMap<>();
        for (ReplicationTask task : readAll(bootstrap, Topics.REPLICATION_TASKS, timeout)) {
            for (TransferStep step : task.steps()) {
                steps.put(task.taskId() + "#" + step.version(), step);
            }
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        for (ReplicaImageState state : readAll(bootstrap, Topics.REPLICA_STATE, timeout)) {
            Optional<StepReport> last = state.lastStep();
            if (last.isEmpty() || last.get().outcome() != Outcome.APPLIED) {
                continue;
            }
            StepReport r = last.get();
            TransferStep step = steps.get(r.taskId() + "#" + r.version());
            rows.putIfAbsent(state.replicaId() + "/" + state.image() + "/" + r.version(),
                    new Row(state.replicaId(), state.image(), r.version(),
                            step == null ? Optional.empty() : step.parentVersion(), r.bytes(), r.millis()));
        }
        List<Row> out = new ArrayList<>(rows.values());
        out.sort(Comparator.comparing(Row::replicaId).thenComparing(Row::image).thenComparingInt(Row::version));
        return out;
    }

    public static String render(List<Row> rows) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s %-12s %14s %9s %9s%n",
                "REPLICA", "IMAGE", "STEP", "BYTES SENT", "SECONDS", "MB/s"));
        for (Row r : rows) {
            String step = r.parent().map(p -> p + " -> " + r.version()).orElse("full " + r.version());
            b.append(String.format(Locale.ROOT, "%-12s %-10s %-12s %,14d %9.2f %9.1f%n", r.replicaId(), r.image(),
                    step, r.bytes(), r.millis() / 1000.0, r.megabytesPerSecond()));
        }
        return b.toString();
    }

    /** Every readable value of a topic, from the beginning to its current end, without a consumer group. */
    static <V> List<V> readAll(String bootstrap, Topic<String, V> topic, Duration timeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<V> values = new ArrayList<>();
        @SuppressWarnings("unchecked")
        JsonSerde<V> serde = (JsonSerde<V>) topic.valueSerde();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + topic.name() + " did not finish within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    try {
                        values.add(serde.read(r.topic(), r.value()));
                    } catch (EventFormatException unreadable) {
                        // Not ours to judge here: the planner dead-letters it.
                    }
                }
            }
        }
        return values;
    }
}
