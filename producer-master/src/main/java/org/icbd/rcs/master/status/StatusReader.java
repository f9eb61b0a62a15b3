package org.icbd.rcs.master.status;

import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.kafka.KafkaClientSettings;
import org.icbd.rcs.kafka.TopicReader;
import org.icbd.rcs.kafka.TopicRecord;
import org.icbd.rcs.topic.Topics;

/**
 * Reads {@code icbd.replication-status}, {@code icbd.replicas}, {@code icbd.replica-state} and {@code icbd.planners} from the
 * beginning into a {@link StatusBoard}, without a consumer group (reading status must not disturb
 * anything). A record this build cannot read is reported to {@code onBadRecord} and skipped. A
 * cluster set up before {@code icbd.planners} existed is read without heartbeats (the board then
 * says the planner was never heard), with one note to {@code onBadRecord} saying how to add it.
 */
public final class StatusReader implements AutoCloseable {

    private final TopicReader<String, ReplicationStatus> reader;
    /** The phone book, for how long an OFFLINE replica has been silent. */
    private final TopicReader<String, ReplicaRegistered> replicas;
    /** The replicas' states: each pair's last step, where it came from, and the bytes served by source. */
    private final TopicReader<String, ReplicaImageState> states;
    /** The planners' heartbeats; null on a cluster without the topic. */
    private final TopicReader<String, PlannerHeartbeat> planners;
    private final Consumer<String> onBadRecord;

    /**
     * @param timeout bounds each wait on the broker, and a {@link #catchUp} that makes no progress
     * @throws TimeoutException when the broker does not answer within {@code timeout}
     * @throws IllegalStateException when the status topic does not exist
     */
    public StatusReader(KafkaClientSettings kafka, Duration timeout, Consumer<String> onBadRecord) {
        this.onBadRecord = onBadRecord;
        try {
            reader = TopicReader.open(kafka, "icbd-status", Topics.REPLICATION_STATUS, timeout);
            replicas = TopicReader.open(kafka, "icbd-status-replicas", Topics.REPLICAS, timeout);
            states = TopicReader.open(kafka, "icbd-status-states", Topics.REPLICA_STATE, timeout);
        } catch (UnknownTopicOrPartitionException e) {
            throw new IllegalStateException("topic " + Topics.REPLICATION_STATUS.name() + " does not exist on "
                    + kafka.bootstrapServers() + ": is the planner deployed?", e);
        }
        TopicReader<String, PlannerHeartbeat> heartbeats;
        try {
            heartbeats = TopicReader.open(kafka, "icbd-status-planners", Topics.PLANNERS, timeout);
        } catch (UnknownTopicOrPartitionException e) {
            heartbeats = null;
            onBadRecord.accept("topic " + Topics.PLANNERS.name() + " does not exist on " + kafka.bootstrapServers()
                    + ", so the planner's heartbeat cannot be read: run 'icbd topics ensure --bootstrap "
                    + kafka.bootstrapServers() + "'");
        } catch (RuntimeException e) {
            states.close();
            replicas.close();
            reader.close();
            throw e;
        }
        planners = heartbeats;
    }

    /**
     * Reads everything up to the end the topic has now.
     *
     * @throws TimeoutException when the read makes no progress for the reader's timeout
     */
    public void catchUp(StatusBoard board) {
        replicas.readToEnd(r -> register(board, r));
        if (planners != null) {
            planners.readToEnd(r -> heartbeat(board, r));
        }
        states.readToEnd(r -> state(board, r));
        reader.readToEnd(r -> apply(board, r));
    }

    /** Polls once; returns true when the board changed. */
    public boolean poll(StatusBoard board, Duration wait) {
        boolean[] changed = {false};
        replicas.poll(Duration.ZERO, r -> register(board, r));
        if (planners != null) {
            planners.poll(Duration.ZERO, r -> heartbeat(board, r));
        }
        states.poll(Duration.ZERO, r -> state(board, r));
        reader.poll(wait, r -> changed[0] |= apply(board, r));
        return changed[0];
    }

    private void register(StatusBoard board, TopicRecord<String, ReplicaRegistered> record) {
        if (record instanceof TopicRecord.Read<String, ReplicaRegistered> read) {
            board.applyRegistration(read.key(), read.value());
        } else if (record instanceof TopicRecord.Unreadable<String, ReplicaRegistered> bad) {
            onBadRecord.accept(bad.where() + " skipped: " + bad.error().getMessage());
        }
    }

    private void state(StatusBoard board, TopicRecord<String, ReplicaImageState> record) {
        if (record instanceof TopicRecord.Read<String, ReplicaImageState> read && read.key() != null) {
            board.applyState(read.key(), read.value());
        } else if (record instanceof TopicRecord.Unreadable<String, ReplicaImageState> bad) {
            onBadRecord.accept(bad.where() + " skipped: " + bad.error().getMessage());
        }
    }

    private void heartbeat(StatusBoard board, TopicRecord<String, PlannerHeartbeat> record) {
        if (record instanceof TopicRecord.Read<String, PlannerHeartbeat> read && read.key() != null) {
            board.applyPlannerHeartbeat(read.key(), read.value());
        } else if (record instanceof TopicRecord.Unreadable<String, PlannerHeartbeat> bad) {
            onBadRecord.accept(bad.where() + " skipped: " + bad.error().getMessage());
        }
    }

    private boolean apply(StatusBoard board, TopicRecord<String, ReplicationStatus> record) {
        if (record instanceof TopicRecord.Unreadable<String, ReplicationStatus> bad) {
            onBadRecord.accept(bad.where() + " skipped: " + bad.error().getMessage());
            return false;
        }
        TopicRecord.Read<String, ReplicationStatus> read = (TopicRecord.Read<String, ReplicationStatus>) record;
        try {
            return board.apply(read.key(), read.value());
        } catch (IllegalArgumentException e) {
            onBadRecord.accept(read.where() + " skipped: " + e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        try {
            replicas.close();
            states.close();
            if (planners != null) {
                planners.close();
            }
        } finally {
            reader.close();
        }
    }
}
