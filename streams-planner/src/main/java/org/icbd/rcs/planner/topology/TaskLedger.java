package org.icbd.rcs.planner.topology;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.events.Sources;
import org.icbd.rcs.events.TransferStep;

/**
 * The tasks issued for one (replica, image) pair: how many so far (task ids are
 * {@code <replica>.<image>.<n>}, so the count is never reset, not even by an unsubscription,
 * and an id is never reused) and the one the replica should be working on, if any.
 *
 * @param issued      the number of tasks issued for the pair, which is the last task's n
 * @param outstanding the last task, while the plan it carried has not been completed
 */
public record TaskLedger(int issued, Optional<Outstanding> outstanding) {

    public static final TaskLedger NONE = new TaskLedger(0, Optional.empty());

    public TaskLedger {
        if (issued < 0) {
            throw new IllegalArgumentException("issued must not be negative, got " + issued);
        }
        outstanding = Fields.optional(outstanding);
        if (outstanding.isPresent() && issued == 0) {
            throw new IllegalArgumentException("an outstanding task needs issued >= 1");
        }
    }

    /**
     * The last task issued, as the replica should be applying it.
     *
     * @param progress   the {@link HeldState#progress() fingerprint} of the replica's state when it
     *                   last changed
     * @param progressAt when the fingerprint last changed (or the task was issued, or the replica
     *                   came back online): the stall deadline counts from here
     * @param partial    the task carries only the plan's first steps: the next one waited for a peer
     *                   of the site fetching it (false in values stored before the field)
     */
    public record Outstanding(String taskId, List<Integer> expectHave, List<TransferStep> steps, Instant issuedAt,
                              String progress, Instant progressAt,
                              @JsonSetter(nulls = Nulls.AS_EMPTY) boolean partial) {

        /** A task that carries the plan, or its first {@code max-steps-per-task} steps. */
        public Outstanding(String taskId, List<Integer> expectHave, List<TransferStep> steps, Instant issuedAt,
                           String progress, Instant progressAt) {
            this(taskId, expectHave, steps, issuedAt, progress, progressAt, false);
        }

        public Outstanding {
            Fields.nonBlank(taskId, "taskId");
            expectHave = Fields.list(expectHave, "expectHave");
            steps = Fields.nonEmptyList(steps, "steps");
            Fields.present(issuedAt, "issuedAt");
            Fields.present(progress, "progress");
            Fields.present(progressAt, "progressAt");
        }

        /**
         * True iff this task still carries the pair's plan: the same steps for the same holdings
         * (nothing happened yet), or a proper tail of its steps (the replica reports after each
         * step, so a task under way leaves the rest of its own chain as the plan). Holdings that
         * changed for any other reason make the task stale: the replica refuses a task whose
         * {@code expectHave} is not its disk.
         */
        public boolean carries(List<TransferStep> plan, List<Integer> have) {
            return carries(plan, have, Integer.MAX_VALUE);
        }

        /**
         * As {@link #carries(List, List)} when tasks carry at most {@code maxSteps} steps: a task of
         * {@code maxSteps} steps may have been cut from a longer plan, so it also carries a plan
         * that its steps (or, under way, a proper tail of them) begin.
         */
        public boolean carries(List<TransferStep> plan, List<Integer> have, int maxSteps) {
            boolean cut = steps.size() >= maxSteps || partial;
            // Sources aside: where a step is pulled from is routing, not the plan.
            List<TransferStep> own = unrouted(steps);
            plan = unrouted(plan);
            for (int k = 0; k < own.size(); k++) {
                List<TransferStep> tail = own.subList(k, own.size());
                boolean match = plan.equals(tail)
                        || (cut && plan.size() > tail.size() && plan.subList(0, tail.size()).equals(tail));
                if (match && (k > 0 || have.equals(expectHave))) {
                    return true;
                }
            }
            return false;
        }

        /** The steps' peer sources (not the master), for the steps whose version {@code held} lacks. */
        public Set<String> peersFor(Set<Integer> held) {
            Set<String> peers = new TreeSet<>();
            for (TransferStep s : steps) {
                if (!Sources.isMaster(s.source()) && !held.contains(s.version())) {
                    peers.add(s.sourceId());
                }
            }
            return peers;
        }

        /** The versions of the steps that {@code held} lacks. */
        public Set<Integer> fetching(Set<Integer> held) {
            Set<Integer> versions = new TreeSet<>();
            for (TransferStep s : steps) {
                if (!held.contains(s.version())) {
                    versions.add(s.version());
                }
            }
            return versions;
        }

        private static List<TransferStep> unrouted(List<TransferStep> steps) {
            return steps.stream().map(s -> s.source().isEmpty() ? s
                    : new TransferStep(s.version(), s.uuid(), s.parentVersion(), s.parentUuid())).toList();
        }

        public boolean stalledAt(Instant now, Duration deadline) {
            return Duration.between(progressAt, now).compareTo(deadline) >= 0;
        }

        public Outstanding progressed(String fingerprint, Instant at) {
            return new Outstanding(taskId, expectHave, steps, issuedAt, fingerprint, at, partial);
        }
    }

    public TaskLedger settled() {
        return outstanding.isEmpty() ? this : new TaskLedger(issued, Optional.empty());
    }

    public TaskLedger with(Outstanding task) {
        return new TaskLedger(issued, Optional.of(task));
    }
}
