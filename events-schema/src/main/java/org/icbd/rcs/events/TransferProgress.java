package org.icbd.rcs.events;

import java.time.Instant;
import java.util.Optional;

/**
 * A step in flight on a replica, so that status can show a transfer moving.
 *
 * @param parentVersion the delta's parent; empty for a full send
 * @param bytes         stream bytes received so far
 * @param bytesPerSecond the average rate since {@code startedAt}
 */
public record TransferProgress(
        String taskId,
        int version,
        Optional<Integer> parentVersion,
        long bytes,
        long bytesPerSecond,
        Instant startedAt) {

    public TransferProgress {
        Fields.nonBlank(taskId, "transfer.taskId");
        Fields.version(version, "transfer.version");
        parentVersion = Fields.optional(parentVersion);
        parentVersion.ifPresent(p -> Fields.version(p, "transfer.parentVersion"));
        Fields.nonNegative(bytes, "transfer.bytes");
        Fields.nonNegative(bytesPerSecond, "transfer.bytesPerSecond");
        Fields.present(startedAt, "transfer.startedAt");
    }
}
