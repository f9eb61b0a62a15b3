package org.icbd.rcs.events;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A value of the compacted {@code icbd.replication-status}, keyed {@code replicaId/image}: what an
 * operator sees for one pair. Emitted by the planner whenever anything about the pair changes.
 *
 * @param latest        the newest live version on the master; empty when the image has none yet
 * @param have          what the replica reported holding, ascending
 * @param missing       the kept versions it lacks, ascending
 * @param lagVersions   how many versions behind {@code latest} the replica's newest version is
 * @param lastAppliedAt when the replica last promoted a version
 * @param lastError     the reason of the last failure, while the pair is FAILED (or the conflict that blocks it)
 * @param transfer      the step in flight, while TRANSFERRING
 */
public record ReplicationStatus(
        int schemaVersion,
        String replicaId,
        String site,
        String image,
        Optional<Integer> latest,
        List<Integer> have,
        List<Integer> missing,
        ReplicationState state,
        int lagVersions,
        Optional<Instant> lastAppliedAt,
        Optional<String> lastError,
        Optional<TransferProgress> transfer,
        Instant updatedAt) {

    public static final int SCHEMA_VERSION = 1;

    public ReplicationStatus {
        Fields.schemaVersion(schemaVersion, SCHEMA_VERSION, "ReplicationStatus");
        Fields.name(replicaId, "replicaId");
        Fields.name(site, "site");
        Fields.name(image, "image");
        latest = Fields.optional(latest);
        latest.ifPresent(v -> Fields.version(v, "latest"));
        have = Fields.list(have, "have");
        missing = Fields.list(missing, "missing");
        Fields.present(state, "state");
        if (lagVersions < 0) {
            throw new IllegalArgumentException("lagVersions must not be negative, got " + lagVersions);
        }
        lastAppliedAt = Fields.optional(lastAppliedAt);
        lastError = Fields.optional(lastError);
        transfer = Fields.optional(transfer);
        Fields.present(updatedAt, "updatedAt");
    }

    public static ReplicationStatus of(String replicaId, String site, String image, Optional<Integer> latest,
                                       List<Integer> have, List<Integer> missing, ReplicationState state,
                                       int lagVersions, Optional<Instant> lastAppliedAt, Optional<String> lastError,
                                       Optional<TransferProgress> transfer, Instant updatedAt) {
        return new ReplicationStatus(SCHEMA_VERSION, replicaId, site, image, latest, have, missing, state,
                lagVersions, lastAppliedAt, lastError, transfer, updatedAt);
    }
}
