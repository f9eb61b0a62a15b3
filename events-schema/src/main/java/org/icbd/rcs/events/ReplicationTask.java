package org.icbd.rcs.events;

import java.time.Instant;
import java.util.List;

/**
 * A value of {@code icbd.replication-tasks}, keyed by replica id: the chain one replica should
 * apply to one image. The replica pulls every step from its configured master, whose host key it
 * pins; a task therefore names no source host (a forged task cannot redirect a replica).
 *
 * @param taskId     unique per issued task; reports quote it
 * @param expectHave the versions the planner believed the replica held; a replica whose disk
 *                   differs reports its disk instead of applying the steps
 * @param steps      in order; each step's parent is held or produced by an earlier step
 */
public record ReplicationTask(
        int schemaVersion,
        String taskId,
        String replicaId,
        String image,
        List<Integer> expectHave,
        List<TransferStep> steps,
        Compression compression,
        Instant issuedAt) {

    public static final int SCHEMA_VERSION = 1;

    public ReplicationTask {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "ReplicationTask");
        Fields.nonBlank(taskId, "taskId");
        Fields.name(replicaId, "replicaId");
        Fields.name(image, "image");
        expectHave = Fields.list(expectHave, "expectHave");
        expectHave.forEach(v -> Fields.version(v, "expectHave"));
        steps = Fields.nonEmptyList(steps, "steps");
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i).version() <= steps.get(i - 1).version()) {
                throw new IllegalArgumentException("steps must ascend by version: " + steps.get(i - 1).version()
                        + " is followed by " + steps.get(i).version());
            }
        }
        Fields.present(compression, "compression");
        Fields.present(issuedAt, "issuedAt");
    }

    public static ReplicationTask of(String taskId, String replicaId, String image, List<Integer> expectHave,
                                     List<TransferStep> steps, Compression compression, Instant issuedAt) {
        return new ReplicationTask(SCHEMA_VERSION, taskId, replicaId, image, expectHave, steps, compression,
                issuedAt);
    }

    /** The version the replica holds once every step is applied. */
    public int target() {
        return steps.get(steps.size() - 1).version();
    }
}
