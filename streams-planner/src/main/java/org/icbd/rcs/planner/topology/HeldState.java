package org.icbd.rcs.planner.topology;

import java.time.Duration;
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
 * <p>Ordering: a report older (by {@code at}) than the stored one is a replay and changes nothing,
 * unless the stored one is {@code datedAhead}: dated more than {@link #MAX_CLOCK_AHEAD} after the
 * planner's clock when it arrived. No real replica reports from the future, so such a state is
 * kept (it may still be the replica's, with a wrong clock) but orders before every later report:
 * the replica's next real report replaces it, whatever its date. Without this, one state dated
 * 2099 would hide the replica's real reports for good.
 *
 * @param lastAppliedAt the {@code at} of the first report of the most recent APPLIED step, never
 *                      later than the planner's clock when it arrived
 * @param datedAhead    the state's {@code at} was more than {@link #MAX_CLOCK_AHEAD} ahead of the
 *                      planner's clock when it arrived (false in values stored before the field)
 */
public record HeldState(ReplicaImageState state, Optional<Instant> lastAppliedAt, boolean datedAhead) {

    /** Clocks kept by NTP differ by milliseconds; a minute ahead is a wrong clock or a forgery. */
    public static final Duration MAX_CLOCK_AHEAD = Duration.ofMinutes(1);

    public HeldState {
        Fields.present(state, "state");
        lastAppliedAt = Fields.optional(lastAppliedAt);
    }

    public HeldState(ReplicaImageState state, Optional<Instant> lastAppliedAt) {
        this(state, lastAppliedAt, false);
    }

    /** The state as it arrives at {@code now}. */
    public static boolean datedAhead(ReplicaImageState state, Instant now) {
        return state.at().isAfter(now.plus(MAX_CLOCK_AHEAD));
    }

    /** True iff {@code next}, arriving after this one, is a replay of an older report and changes nothing. */
    public boolean supersedes(ReplicaImageState next) {
        return !datedAhead && next.at().isBefore(state.at());
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
