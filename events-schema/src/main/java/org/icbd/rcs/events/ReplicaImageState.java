package org.icbd.rcs.events;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A value of the compacted {@code icbd.replica-state}, keyed {@code replicaId/image}: what a replica
 * holds of an image, read from its disk (so it is the truth), and how its last step went.
 *
 * @param versions held versions, ascending, each verified read-only with its received uuid
 * @param lastStep the last step's report; empty before the first step
 * @param transfer the step in flight; empty when idle
 */
public record ReplicaImageState(
        int schemaVersion,
        String replicaId,
        String image,
        List<HeldVersion> versions,
        Optional<StepReport> lastStep,
        Optional<TransferProgress> transfer,
        Instant at) {

    public static final int SCHEMA_VERSION = 1;

    public ReplicaImageState {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "ReplicaImageState");
        Fields.name(replicaId, "replicaId");
        Fields.name(image, "image");
        List<HeldVersion> sorted = new ArrayList<>(Fields.list(versions, "versions"));
        sorted.sort(Comparator.comparingInt(HeldVersion::version));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).version() == sorted.get(i - 1).version()) {
                throw new IllegalArgumentException("versions lists version " + sorted.get(i).version() + " twice");
            }
        }
        versions = List.copyOf(sorted);
        lastStep = Fields.optional(lastStep);
        transfer = Fields.optional(transfer);
        Fields.present(at, "at");
    }

    public static ReplicaImageState of(String replicaId, String image, List<HeldVersion> versions,
                                       Optional<StepReport> lastStep, Optional<TransferProgress> transfer,
                                       Instant at) {
        return new ReplicaImageState(SCHEMA_VERSION, replicaId, image, versions, lastStep, transfer, at);
    }

    public Optional<HeldVersion> newest() {
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }
}
