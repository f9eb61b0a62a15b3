package org.icbd.rcs.topic;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ImageVersionEvent;
import org.icbd.rcs.events.ImageVersionPublished;
import org.icbd.rcs.events.PlannerHeartbeat;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.events.ReplicaRegistered;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;

/** Every topic of the system, as DESIGN.md lists them. */
public final class Topics {

    private static final Serde<String> KEY = Serdes.String();

    /** An image's history is the source of truth for planning: keep it (practically) forever. */
    public static final Topic<String, ImageVersionEvent> IMAGE_VERSIONS = new Topic<>("icbd.image-versions", KEY,
            new JsonSerde<>(ImageVersionEvent.class, ImageVersionPublished.SCHEMA_VERSION),
            Map.of("cleanup.policy", "delete", "retention.ms", "-1"));

    public static final Topic<String, ReplicaRegistered> REPLICAS = new Topic<>("icbd.replicas", KEY,
            new JsonSerde<>(ReplicaRegistered.class, ReplicaRegistered.SCHEMA_VERSION),
            Map.of("cleanup.policy", "compact"));

    public static final Topic<String, ReplicaImageState> REPLICA_STATE = new Topic<>("icbd.replica-state", KEY,
            new JsonSerde<>(ReplicaImageState.class, ReplicaImageState.SCHEMA_VERSION),
            Map.of("cleanup.policy", "compact"));

    /** Tasks are intent, superseded by the next plan: a week is plenty. */
    public static final Topic<String, ReplicationTask> REPLICATION_TASKS = new Topic<>("icbd.replication-tasks", KEY,
            new JsonSerde<>(ReplicationTask.class, ReplicationTask.SCHEMA_VERSION),
            Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(7L * 24 * 3600 * 1000)));

    public static final Topic<String, ReplicationStatus> REPLICATION_STATUS = new Topic<>("icbd.replication-status",
            KEY, new JsonSerde<>(ReplicationStatus.class, ReplicationStatus.SCHEMA_VERSION),
            Map.of("cleanup.policy", "compact"));

    public static final Topic<String, DeadLetter> DEAD_LETTERS = new Topic<>("icbd.dead-letters", KEY,
            new JsonSerde<>(DeadLetter.class, DeadLetter.SCHEMA_VERSION),
            Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(30L * 24 * 3600 * 1000)));

    /** The planners' heartbeats, keyed {@code applicationId/instanceId}: they say how old the status is. */
    public static final Topic<String, PlannerHeartbeat> PLANNERS = new Topic<>("icbd.planners", KEY,
            new JsonSerde<>(PlannerHeartbeat.class, PlannerHeartbeat.SCHEMA_VERSION),
            Map.of("cleanup.policy", "compact"));

    public static final List<Topic<String, ?>> ALL = List.of(IMAGE_VERSIONS, REPLICAS, REPLICA_STATE,
            REPLICATION_TASKS, REPLICATION_STATUS, DEAD_LETTERS, PLANNERS);

    private Topics() {
    }
}
