package org.icbd.rcs.planner.topology;

import java.util.Objects;
import java.util.Optional;
import org.icbd.rcs.events.DeadLetter;
import org.icbd.rcs.events.ReplicationStatus;
import org.icbd.rcs.events.ReplicationTask;
import org.icbd.rcs.topic.PairKey;

/**
 * What the per-image planner emits; the topology splits it by kind into the output topics. It
 * never crosses a topic itself, so it needs no serde.
 */
public sealed interface PlannerOutput {

    /** A task for {@code icbd.replication-tasks}, keyed by replica id. */
    record TaskIssued(ReplicationTask task) implements PlannerOutput {
        public TaskIssued {
            Objects.requireNonNull(task, "task");
        }
    }

    /**
     * A status for {@code icbd.replication-status}, keyed {@code replicaId/image}; empty for a
     * tombstone (the pair no longer exists: the replica unsubscribed or deregistered).
     */
    record StatusChanged(PairKey pair, Optional<ReplicationStatus> status) implements PlannerOutput {
        public StatusChanged {
            Objects.requireNonNull(pair, "pair");
            Objects.requireNonNull(status, "status");
        }
    }

    /** An input the planner read but cannot use, for {@code icbd.dead-letters}. */
    record Rejected(DeadLetter letter) implements PlannerOutput {
        public Rejected {
            Objects.requireNonNull(letter, "letter");
        }
    }
}
