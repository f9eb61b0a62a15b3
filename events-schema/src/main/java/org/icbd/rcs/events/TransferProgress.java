package org.icbd.rcs.events;

import java.time.Instant;
import java.util.Optional;

/**
 * A step in flight on a replica, so that status can show a transfer moving.
 *
 * @param parentVersion  the delta's parent; empty for a full send
 * @param bytes          stream bytes held so far (a resumed transfer's earlier bytes included), as on the wire
 * @param bytesPerSecond the average wire rate since {@code startedAt}
 * @param totalBytes     the whole stream's length, known once the master has stored it; empty before
 * @param etaSeconds     the seconds left at the current rate; empty while the total or the rate is unknown
 */
public record TransferProgress(
        String taskId,
        int version,
        Optional<Integer> parentVersion,
        long bytes,
        long bytesPerSecond,
        Instant startedAt,
        Optional<Long> totalBytes,
        Optional<Long> etaSeconds) {

    public TransferProgress {
        Fields.nonBlank(taskId, "transfer.taskId");
        Fields.version(version, "transfer.version");
        parentVersion = Fields.optional(parentVersion);
        parentVersion.ifPresent(p -> Fields.version(p, "transfer.parentVersion"));
        Fields.nonNegative(bytes, "transfer.bytes");
        Fields.nonNegative(bytesPerSecond, "transfer.bytesPerSecond");
        Fields.present(startedAt, "transfer.startedAt");
        totalBytes = Fields.optional(totalBytes);
        totalBytes.ifPresent(t -> Fields.nonNegative(t, "transfer.totalBytes"));
        etaSeconds = Fields.optional(etaSeconds);
        etaSeconds.ifPresent(t -> Fields.nonNegative(t, "transfer.etaSeconds"));
    }

    /** A transfer whose total is not known yet. */
    public TransferProgress(String taskId, int version, Optional<Integer> parentVersion, long bytes,
                            long bytesPerSecond, Instant startedAt) {
        this(taskId, version, parentVersion, bytes, bytesPerSecond, startedAt, Optional.empty(), Optional.empty());
    }
}
