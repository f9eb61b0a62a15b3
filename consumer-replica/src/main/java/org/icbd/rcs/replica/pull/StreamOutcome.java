package org.icbd.rcs.replica.pull;

import java.util.Objects;
import java.util.Optional;

/**
 * What was observed of one transfer once it ended, from both ends of the pipe, as {@link
 * SendChannel#finish} builds it: the input of {@code FailureClassifier.classify}.
 *
 * @param wireBytes    stream bytes received, as on the wire
 * @param masterExit   the channel's exit status; empty when the channel closed without one (the
 *                     connection was lost) or was abandoned by this side
 * @param masterReason the master's last stderr line; empty when it wrote none
 * @param stalled      no byte arrived for the stall timeout, so this side abandoned the channel
 * @param stopping     this side aborted the channel ({@link SendChannel#abort()}: the service is stopping)
 * @param connectionLost reading the channel failed, or it ended without an exit status
 * @param receiveError the failure of the receiving side (btrfs receive, LZ4 decoding, reading the
 *                     channel); empty when btrfs receive accepted the stream
 */
public record StreamOutcome(
        long wireBytes,
        Optional<Integer> masterExit,
        String masterReason,
        boolean stalled,
        boolean stopping,
        boolean connectionLost,
        Optional<Throwable> receiveError) {

    public StreamOutcome {
        Objects.requireNonNull(masterExit, "masterExit");
        Objects.requireNonNull(masterReason, "masterReason");
        Objects.requireNonNull(receiveError, "receiveError");
    }

    /** The same wire, with the receiving side's failure (btrfs receive, the decoder) as the error. */
    public StreamOutcome withReceiveError(Optional<Throwable> error) {
        return new StreamOutcome(wireBytes, masterExit, masterReason, stalled, stopping, connectionLost, error);
    }
}
