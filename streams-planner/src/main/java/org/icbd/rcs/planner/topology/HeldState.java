package org.icbd.rcs.planner.topology;

import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.HeldVersion;
import org.icbd.rcs.events.ReplicaImageState;
import org.icbd.rcs.planner.plan.ReplicaHolding;
import org.icbd.rcs.planner.plan.ReplicaHoldings;

/**
 * The last state a replica reported for one image, and when it last promoted a version (the
 * state itself only tells about its last step).
 *
 * @param lastAppliedAt the {@code at} of the first report of the most recent APPLIED step
 */
public record HeldState(ReplicaImageState state, Optional<Instant> lastAppliedAt) {

    public HeldState {
        Fields.present(state, "state");
        lastAppliedAt = Fields.optional(lastAppliedAt);
    }

    /** What the planning core needs: the held versions with their received uuids. */
    public ReplicaHoldings holdings() {
        return new ReplicaHoldings(state.versions().stream()
                .map(v -> ReplicaHolding.of(v.version(), v.receivedUuid()))
                .toList());
    }

    /**
     * A fingerprint of everything that shows the replica working: held versions, last step,
     * transfer bytes. Not {@code at}: re-reporting the same disk is not progress.
     */
    public String progress() {
        return progressOf(Optional.of(this));
    }

    /** The fingerprint of a pair that has no report yet, or of {@code held}. */
    public static String progressOf(Optional<HeldState> held) {
        if (held.isEmpty()) {
            return "no report";
        }
        ReplicaImageState s = held.get().state;
        return "have " + s.versions().stream().map(HeldVersion::version).map(String::valueOf)
                .collect(Collectors.joining(","))
                + s.lastStep().map(l -> "; step " + l.taskId() + "@" + l.version() + " " + l.outcome()).orElse("")
                + s.transfer().map(t -> "; moving " + t.taskId() + "@" + t.version() + " " + t.bytes() + "B")
                .orElse("");
    }
}
